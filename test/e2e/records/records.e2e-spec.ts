import { CODES, adminAndRegulator, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

const fields = (res: { json(): { errors?: { field: string }[] } }) =>
  (res.json().errors ?? []).map((e) => e.field).sort();

describe('credit records', () => {
  let t: TestApp;
  let admin: string;
  let qts: string;
  let amr: string;
  let reviewer: string;
  let valveCo: string;

  const record = (overrides: Record<string, unknown> = {}) => ({
    type: 'spot_check_fail',
    occurredOn: '2025-06-10',
    documentNo: '温质监抽字〔2025〕101号',
    summary: '监督抽查：阀门密封性能不合格',
    severity: 'serious',
    ...overrides,
  });
  const post = (uscc: string, body: unknown, token = qts) =>
    t.request({ method: 'POST', url: `/api/v1/enterprises/${uscc}/records`, body, token });
  const correct = (id: string, body: unknown, token = qts) =>
    t.request({ method: 'POST', url: `/api/v1/records/${id}/corrections`, body, token });
  const list = async (uscc: string, token = reviewer) =>
    (await t.request({ method: 'GET', url: `/api/v1/enterprises/${uscc}/records?pageSize=100`, token })).json();
  /** Retractions only: grade changes also reach the outbox, written by the worker as it regrades. */
  const events = () =>
    t.sql<{ type: string; uscc: string; data: Record<string, string> }>(
      `SELECT type, uscc, data FROM change_events WHERE type = 'record.retracted' ORDER BY seq`,
    );

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    ({ admin, regulator: qts } = await adminAndRegulator(t, { username: 'qts.rec', password: 'recorder-pass-1' }, [
      [CODES.wenzhouLike, { registeredOn: '2008-05-16' }],
      [CODES.beijing, { districtCode: '330303', registeredOn: '2015-01-01' }],
    ]));
    amr = await createUser(t, admin, {
      username: 'amr.rec',
      password: 'recorder-pass-2',
      role: 'regulator',
      departmentCode: 'AMR',
    });
    reviewer = await createUser(t, admin, {
      username: 'amr.rev',
      password: 'reviewer-pass-1',
      role: 'reviewer',
      departmentCode: 'AMR',
    });
    valveCo = await createUser(t, admin, {
      username: 'valve.co',
      password: 'enterprise-pass1',
      role: 'enterprise',
      uscc: CODES.wenzhouLike,
    });
  });
  afterAll(() => t.close());

  describe('recording', () => {
    it("records an event under the caller's department, disclosed by its type", async () => {
      const res = await post(CODES.wenzhouLike, record());
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        id: expect.stringMatching(/^\d+$/),
        uscc: CODES.wenzhouLike,
        type: 'spot_check_fail',
        occurredOn: '2025-06-10',
        departmentCode: 'QTS',
        disclosed: true,
        state: 'current',
        supersedes: null,
        supersededBy: null,
      });
    });

    it('keeps complaints undisclosed unless told, with their hotline and its handling department', async () => {
      const complaint = await post(
        CODES.wenzhouLike,
        record({
          type: 'complaint_substantiated',
          hotline: '12365',
          documentNo: '12365-2025-0042',
          severity: undefined,
        }),
      );
      expect(complaint.json()).toMatchObject({ disclosed: false, hotline: '12365', handledBy: 'QTS', severity: null });
      const override = await post(
        CODES.wenzhouLike,
        record({ type: 'certification', documentNo: 'CQC-2025-7', disclosed: true }),
      );
      expect(override.json()).toMatchObject({ disclosed: true });
    });

    it('refuses the same document number twice from one department, but not from another', async () => {
      const again = await post(CODES.wenzhouLike, record());
      expect(again.statusCode).toBe(409);
      expect(again.json().type).toContain('duplicate-document');
      const other = await post(CODES.wenzhouLike, record(), amr);
      expect(other.statusCode).toBe(201);
      expect(other.json().departmentCode).toBe('AMR');
    });

    it.each([
      ['an unknown type', { type: 'rumour' }, ['type']],
      ['a date in the future', { occurredOn: '2999-01-01' }, ['occurredOn']],
      ['a date before registration', { occurredOn: '2001-01-01' }, ['occurredOn']],
      ['an impossible date', { occurredOn: '2025-02-30' }, ['occurredOn']],
      ['a complaint without its hotline', { type: 'complaint_substantiated' }, ['hotline']],
      ['a hotline on a spot check', { hotline: '12315' }, ['hotline']],
      [
        'an unknown severity and hotline',
        { type: 'complaint_substantiated', severity: 'huge', hotline: '110' },
        ['hotline', 'severity'],
      ],
      ['no document number or summary', { documentNo: ' ', summary: undefined }, ['documentNo', 'summary']],
      ['an unknown field', { grade: 'A' }, ['grade']],
    ])('refuses %s', async (_, overrides, expected) => {
      const before = await t.sql(`SELECT count(*) FROM credit_records`);
      const res = await post(CODES.wenzhouLike, record({ documentNo: 'unique-doc-for-bad-input', ...overrides }));
      expect(res.statusCode).toBe(400);
      expect(fields(res)).toEqual(expected);
      expect(await t.sql(`SELECT count(*) FROM credit_records`)).toEqual(before);
    });

    it('is 404 for an unknown enterprise and 403 for anyone but a regulator', async () => {
      expect((await post('91330000MA2CFL5Y9Q', record({ documentNo: 'x1' }))).statusCode).toBe(404);
      expect((await post(CODES.wenzhouLike, record({ documentNo: 'x2' }), reviewer)).statusCode).toBe(403);
      expect((await post(CODES.wenzhouLike, record({ documentNo: 'x3' }), admin)).statusCode).toBe(403);
      expect((await post(CODES.wenzhouLike, record({ documentNo: 'x4' }), valveCo)).statusCode).toBe(403);
      expect(
        (await t.request({ method: 'POST', url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`, body: record() }))
          .statusCode,
      ).toBe(401);
    });

    it('keeps a district regulator to their district', async () => {
      const lucheng = await createUser(t, admin, {
        username: 'qts.lc',
        password: 'recorder-pass-3',
        role: 'regulator',
        departmentCode: 'QTS',
        districtCode: '330302',
      });
      expect((await post(CODES.beijing, record({ documentNo: 'lc-1' }), lucheng)).statusCode).toBe(403);
      expect((await post(CODES.wenzhouLike, record({ documentNo: 'lc-2' }), lucheng)).statusCode).toBe(201);
    });
  });

  describe('append-only', () => {
    it('refuses a direct UPDATE, DELETE or TRUNCATE in the database', async () => {
      await expect(t.sql(`UPDATE credit_records SET summary = 'rewritten'`)).rejects.toThrow(/append-only/);
      await expect(t.sql(`DELETE FROM credit_records`)).rejects.toThrow(/append-only/);
      await expect(t.sql(`TRUNCATE credit_records CASCADE`)).rejects.toThrow(/append-only/);
    });
  });

  describe('corrections', () => {
    let original: string;
    beforeAll(async () => {
      original = (
        await post(CODES.wenzhouLike, record({ documentNo: '温质监罚字〔2025〕7号', type: 'administrative_penalty' }))
      ).json().id;
    });

    it('amends a record with a new row that supersedes it, and tells partners of the retraction', async () => {
      const before = (await events()).length;
      const res = await correct(original, {
        action: 'amend',
        reason: '罚款金额录入错误',
        summary: '行政处罚：罚款五万元',
        severity: 'general',
      });
      expect(res.statusCode).toBe(201);
      const amended = res.json();
      expect(amended).toMatchObject({
        supersedes: original,
        correction: 'amend',
        correctionReason: '罚款金额录入错误',
        summary: '行政处罚：罚款五万元',
        severity: 'general',
        type: 'administrative_penalty',
        documentNo: '温质监罚字〔2025〕7号',
        state: 'current',
      });
      const rows = (await list(CODES.wenzhouLike)).items;
      expect(rows.find((r: { id: string }) => r.id === original)).toMatchObject({
        state: 'superseded',
        supersededBy: amended.id,
        summary: '监督抽查：阀门密封性能不合格',
      });
      const added = (await events()).slice(before);
      expect(added).toEqual([
        {
          type: 'record.retracted',
          uscc: CODES.wenzhouLike,
          data: expect.objectContaining({ recordId: original, correctedBy: amended.id, action: 'amend' }),
        },
      ]);
    });

    it('refuses to correct a superseded record, and a second correction of one record', async () => {
      const again = await correct(original, { action: 'withdraw', reason: '重复' });
      expect(again.statusCode).toBe(409);
      expect(again.json().detail).toContain('superseded');
    });

    it('withdraws a record: nothing stays in force, and the withdrawal cannot be corrected', async () => {
      const head = (await list(CODES.wenzhouLike)).items.find(
        (r: { supersedes: string }) => r.supersedes === original,
      ).id;
      const res = await correct(head, { action: 'withdraw', reason: '处罚决定已被撤销' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ state: 'withdrawn', supersedes: head, correction: 'withdraw' });
      expect((await correct(res.json().id, { action: 'amend', reason: 'x', summary: 'y' })).statusCode).toBe(409);
    });

    it('writes no retraction event for an undisclosed record', async () => {
      const complaint = (
        await post(CODES.wenzhouLike, record({ type: 'complaint_substantiated', hotline: '12315', documentNo: 'c-77' }))
      ).json();
      const before = (await events()).length;
      expect((await correct(complaint.id, { action: 'withdraw', reason: '投诉经核实不成立' })).statusCode).toBe(201);
      expect((await events()).length).toBe(before);
    });

    it('lets only the recording department correct, and checks what is amended', async () => {
      const id = (await post(CODES.wenzhouLike, record({ documentNo: 'qts-only-1' }))).json().id;
      const other = await correct(id, { action: 'withdraw', reason: 'not ours' }, amr);
      expect(other.statusCode).toBe(403);
      expect(fields(await correct(id, { action: 'withdraw', reason: 'r', summary: 'x' }))).toEqual(['summary']);
      expect((await correct(id, { action: 'amend', reason: 'r' })).statusCode).toBe(400);
      expect(fields(await correct(id, { action: 'amend', reason: 'r', occurredOn: '2999-01-01' }))).toEqual([
        'occurredOn',
      ]);
      expect(fields(await correct(id, { action: 'erase', reason: '' }))).toEqual(['action', 'reason']);
      expect((await correct('999999', { action: 'withdraw', reason: 'r' })).statusCode).toBe(404);
      expect((await correct('abc', { action: 'withdraw', reason: 'r' })).statusCode).toBe(400);
      expect((await correct(id, { action: 'withdraw', reason: 'r' }, reviewer)).statusCode).toBe(403);
    });

    it('passes the right to correct to the department that took the recording one over', async () => {
      const id = (await post(CODES.wenzhouLike, record({ documentNo: 'before-merger-1' }))).json().id;
      const merged = await t.request({
        method: 'POST',
        url: '/api/v1/departments/QTS/merge-into',
        token: admin,
        body: { successorCode: 'AMR' },
      });
      expect(merged.statusCode).toBe(200);
      const res = await correct(id, { action: 'amend', reason: '机构改革后更正', severity: 'minor' }, amr);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ departmentCode: 'AMR', supersedes: id });
      const rows = (await list(CODES.wenzhouLike)).items;
      expect(rows.find((r: { id: string }) => r.id === id).departmentCode).toBe('QTS'); // history keeps its maker
    });
  });

  describe('reading', () => {
    it("shows an enterprise its own records and nobody else's", async () => {
      const own = await t.request({
        method: 'GET',
        url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`,
        token: valveCo,
      });
      expect(own.statusCode).toBe(200);
      expect(own.json().total).toBeGreaterThan(5);
      expect(
        (await t.request({ method: 'GET', url: `/api/v1/enterprises/${CODES.beijing}/records`, token: valveCo }))
          .statusCode,
      ).toBe(403);
      expect(
        (await t.request({ method: 'GET', url: '/api/v1/enterprises/91330000MA2CFL5Y9Q/records', token: admin }))
          .statusCode,
      ).toBe(404);
    });

    it('pages newest first', async () => {
      const page = (
        await t.request({
          method: 'GET',
          url: `/api/v1/enterprises/${CODES.wenzhouLike}/records?pageSize=2`,
          token: admin,
        })
      ).json();
      expect(page.items).toHaveLength(2);
      expect(page.items[0].occurredOn >= page.items[1].occurredOn).toBe(true);
    });

    it('audits every record and correction', async () => {
      const actions = await t.sql<{ action: string }>(
        `SELECT DISTINCT action FROM audit_events WHERE entity_type = 'record' ORDER BY action`,
      );
      expect(actions.map((a) => a.action)).toEqual(['record.amend', 'record.create', 'record.withdraw']);
    });
  });
});
