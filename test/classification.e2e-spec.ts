import { ClassificationService } from '../src/classification/classification.service';
import { CODES, createEnterprise, createUser } from './helpers/fixtures';
import { TestApp } from './helpers/test-app';

describe('classification', () => {
  let t: TestApp;
  let admin: string;
  let qts: string;
  let enterpriseId: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    admin = await t.loginAdmin();
    await createEnterprise(t, admin, CODES.wenzhouLike, { registeredOn: '2008-05-16' });
    await createEnterprise(t, admin, CODES.beijing, { registeredOn: '2010-01-01' });
    qts = await createUser(t, admin, {
      username: 'qts.cls',
      password: 'classify-pass-1',
      role: 'regulator',
      departmentCode: 'QTS',
    });
    [{ id: enterpriseId }] = await t.sql<{ id: string }>(`SELECT id::text FROM enterprises WHERE uscc = $1`, [
      CODES.wenzhouLike,
    ]);
  });
  afterAll(() => t.close());

  const grade = (query = '', token = admin) =>
    t.request({ method: 'GET', url: `/api/v1/enterprises/${CODES.wenzhouLike}/classification${query}`, token });
  const record = (body: Record<string, unknown>) =>
    t.request({
      method: 'POST',
      url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`,
      token: qts,
      body: { summary: '记录', ...body },
    });
  const events = () =>
    t.sql<{ data: Record<string, unknown> }>(
      `SELECT data FROM change_events WHERE type = 'classification.changed' ORDER BY seq`,
    );
  const history = async () =>
    (
      await t.request({
        method: 'GET',
        url: `/api/v1/enterprises/${CODES.wenzhouLike}/classification/history`,
        token: admin,
      })
    ).json();
  /** Polls until the grade satisfies `done` (the worker regrades within about a second). */
  const until = async (done: (body: { grade?: string; score?: number }) => boolean) => {
    for (const started = Date.now(); Date.now() - started < 15_000;) {
      const res = await grade();
      if (res.statusCode === 200 && done(res.json())) return res.json();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the grade did not change');
  };

  it('has no grade before anything is recorded', async () => {
    const res = await grade();
    expect(res.statusCode).toBe(404);
  });

  it('regrades after a record, naming the factor and the record, with a history interval and one outbox event', async () => {
    const created = (
      await record({ type: 'spot_check_fail', severity: 'serious', occurredOn: '2026-06-01', documentNo: 'CLS-1' })
    ).json();
    const body = await until((b) => b.grade === 'C');
    expect(body).toEqual({
      grade: 'C',
      score: 65,
      ruleSetVersion: 1,
      computedAt: expect.any(String),
      factors: [
        {
          code: 'record.spot_check_fail',
          description: '1 spot_check_fail record(s) within 36 months',
          points: -15,
          recordIds: [created.id],
        },
      ],
    });
    const intervals = await history();
    expect(intervals).toEqual([
      { grade: 'C', validFrom: expect.any(String), validTo: null, ruleSetVersion: 1, score: 65 },
    ]);
    expect(await events()).toEqual([{ data: { from: null, to: 'C', score: 65, ruleSetVersion: 1 } }]);
  });

  it('writes nothing when the same recompute runs again', async () => {
    const before = await t.sql(`SELECT count(*) FROM audit_events`);
    expect(await t.app.get(ClassificationService).recompute([enterpriseId])).toEqual({
      examined: 1,
      changed: 0,
      gradeChanges: 0,
    });
    expect(await t.sql(`SELECT count(*) FROM audit_events`)).toEqual(before);
    expect(await history()).toHaveLength(1);
    expect(await events()).toHaveLength(1);
  });

  it('opens a new interval on every change, and tells partners only when the grade moves', async () => {
    await record({ type: 'quality_award', occurredOn: '2026-05-01', documentNo: 'CLS-2' });
    await until((b) => b.score === 73);
    expect((await history()).map((i: { grade: string; score: number }) => [i.grade, i.score])).toEqual([
      ['C', 65],
      ['C', 73],
    ]);
    expect(await events()).toHaveLength(1);

    const betweenGrades = new Date().toISOString();
    await record({
      type: 'administrative_penalty',
      severity: 'serious',
      occurredOn: '2026-07-01',
      documentNo: 'CLS-3',
    });
    const d = await until((b) => b.grade === 'D');
    expect(d.score).toBe(53);
    const intervals = await history();
    expect(intervals.map((i: { grade: string; validTo: string | null }) => [i.grade, i.validTo === null])).toEqual([
      ['C', false],
      ['C', false],
      ['D', true],
    ]);
    expect(intervals[1].validTo).toBe(intervals[2].validFrom);
    expect((await events()).map((e) => e.data.to)).toEqual(['C', 'D']);
    const past = await grade(`?asOf=${encodeURIComponent(betweenGrades)}`);
    expect(past.json()).toMatchObject({ grade: 'C', score: 73 });
  });

  it('regrades after a correction withdraws a record', async () => {
    const [{ id }] = await t.sql<{ id: string }>(`SELECT id::text FROM credit_records WHERE document_no = 'CLS-3'`);
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/records/${id}/corrections`,
      token: qts,
      body: { action: 'withdraw', reason: '处罚已撤销' },
    });
    expect(res.statusCode).toBe(201);
    await until((b) => b.grade === 'C' && b.score === 73);
  });

  it('shows the grade in the register and filters the register by it', async () => {
    const file = await t.request({ method: 'GET', url: `/api/v1/enterprises/${CODES.wenzhouLike}`, token: admin });
    expect(file.json().grade).toBe('C');
    const graded = await t.request({ method: 'GET', url: '/api/v1/enterprises?grade=C', token: admin });
    expect(graded.json().items.map((e: { uscc: string; grade: string }) => [e.uscc, e.grade])).toEqual([
      [CODES.wenzhouLike, 'C'],
    ]);
    expect((await t.request({ method: 'GET', url: '/api/v1/enterprises?grade=A', token: admin })).json().total).toBe(0);
    expect((await t.request({ method: 'GET', url: '/api/v1/enterprises?grade=E', token: admin })).statusCode).toBe(400);
  });

  it('shows an enterprise its own grade only', async () => {
    const own = await createUser(t, admin, {
      username: 'valve.cls',
      password: 'enterprise-pass1',
      role: 'enterprise',
      uscc: CODES.wenzhouLike,
    });
    expect((await grade('', own)).statusCode).toBe(200);
    const other = await t.request({
      method: 'GET',
      url: `/api/v1/enterprises/${CODES.beijing}/classification`,
      token: own,
    });
    expect(other.statusCode).toBe(403);
    expect((await grade('?asOf=yesterday')).statusCode).toBe(400);
  });
});
