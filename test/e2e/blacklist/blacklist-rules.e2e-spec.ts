import { makeUscc } from '../../../src/common/uscc';
import { BlacklistWorld, PROPOSAL } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { CODES, createEnterprise } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/** The blacklist's rules at their edges: remit, roles, deadlines, illegal moves, races, bad input, the calendar. */
describe('blacklist rules', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  const START = '2026-03-02T02:00:00Z'; // Monday 10:00 in Beijing
  const clock = new TestClock(new Date(START));
  const OUHAI_CODE = makeUscc('330304', 1);
  const valve = CODES.wenzhouLike;
  const own = `enterprise:${valve}` as const;
  const other = `enterprise:${CODES.beijing}` as const;

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, [valve, CODES.beijing]);
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(START));

  /** A proposal given notice now; its objection window closes at the end of Monday 16 March. */
  const noticed = async () => {
    const id = await w.propose(valve);
    await w.expect(200, 'proposer', `/blacklist/${id}/notice`);
    return id;
  };
  const PAST_DEADLINE = '2026-03-17T01:00:00Z';
  const published = async () => {
    const id = await noticed();
    clock.set(PAST_DEADLINE);
    await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '同意' });
    await w.expect(200, 'reviewer', `/blacklist/${id}/publish`);
    return id;
  };
  const problem = async (status: number, who: Parameters<BlacklistWorld['call']>[0], url: string, body = {}) => {
    const res = await w.call(who, 'POST', url, body);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.statusCode).toBe(status);
    return res.json();
  };
  const counts = async () =>
    (
      await t.sql<
        Record<'entries' | 'transitions' | 'audit' | 'events', number>
      >(`SELECT (SELECT count(*) FROM blacklist_entries)::int AS entries,
                          (SELECT count(*) FROM blacklist_transitions)::int AS transitions,
                          (SELECT count(*) FROM audit_events)::int AS audit,
                          (SELECT count(*) FROM change_events WHERE type LIKE 'blacklist.%')::int AS events`)
    )[0];

  it('refuses bad input whole with problem+json, changing nothing', async () => {
    const before = await counts();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...PROPOSAL, uscc: valve, reasonCode: 'bad_weather' }, 'reasonCode'],
      [{ ...PROPOSAL, uscc: valve, periodMonths: 0 }, 'periodMonths'],
      [{ ...PROPOSAL, uscc: valve, periodMonths: 121 }, 'periodMonths'],
      [{ ...PROPOSAL, uscc: valve, periodMonths: 12.5 }, 'periodMonths'],
      [{ ...PROPOSAL, uscc: valve, periodMonths: '36' }, 'periodMonths'],
      [{ ...PROPOSAL, uscc: valve, status: 'published' }, 'status'],
      [{ ...PROPOSAL, uscc: valve, facts: '   ' }, 'facts'],
      [{ uscc: valve, reasonCode: 'recall_refused' }, 'legalBasis'],
    ];
    for (const [body, field] of cases) {
      const res = await problem(400, 'proposer', '/blacklist', body);
      expect(res).toMatchObject({ status: 400, errors: expect.arrayContaining([expect.objectContaining({ field })]) });
    }
    const unknownField = await problem(400, 'proposer', '/blacklist', { ...PROPOSAL, uscc: valve, colour: 'red' });
    expect(unknownField.errors).toEqual([{ field: 'colour', message: 'is not a known field' }]);
    await problem(404, 'proposer', '/blacklist', { ...PROPOSAL, uscc: CODES.shenzhen });
    const id = await w.propose(valve);
    const afterOne = await counts();
    await problem(400, 'proposer', `/blacklist/${id}/notice`, { documentRef: '' });
    await problem(400, 'proposer', `/blacklist/abc/notice`);
    await problem(400, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'maybe', note: 'x' });
    await problem(400, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved' });
    await problem(400, 'reviewer', `/blacklist/${id}/revocation`, {});
    expect(await counts()).toEqual(afterOne);
    expect(afterOne).toEqual({
      ...before,
      entries: before.entries + 1,
      transitions: before.transitions + 1,
      audit: before.audit + 1,
    });
    expect((await w.entry(id)).status).toBe('proposed');
  });

  it('lets a district-level regulator propose in their district only, and shows them only its entries', async () => {
    const admin = await t.loginAdmin();
    await createEnterprise(t, admin, OUHAI_CODE, { districtCode: '330304', name: '温州市瓯海眼镜有限公司' });
    const refused = await problem(403, 'ouhai', '/blacklist', { ...PROPOSAL, uscc: valve });
    expect(refused.detail).toContain('330304');
    const ouhai = await w.expect(201, 'ouhai', '/blacklist', { ...PROPOSAL, uscc: OUHAI_CODE });
    expect(ouhai).toMatchObject({ districtCode: '330304', departmentCode: 'AMR' });
    const lucheng = await w.propose(valve);
    expect((await w.call('ouhai', 'GET', `/blacklist/${lucheng}`)).statusCode).toBe(403);
    await problem(403, 'ouhai', `/blacklist/${lucheng}/notice`);
    const listed = (await w.call('ouhai', 'GET', '/blacklist')).json();
    expect(listed.items.map((e: { id: string }) => e.id)).toEqual([ouhai.id]);
    const cityWide = (await w.call('admin', 'GET', `/blacklist?districtCode=330304&status=proposed`)).json();
    expect(cityWide).toMatchObject({ total: 1, items: [expect.objectContaining({ id: ouhai.id })] });
  });

  it('keeps an entry from other enterprises, and from its own before notice', async () => {
    const id = await w.propose(valve);
    expect((await w.call(own, 'GET', `/blacklist/${id}`)).statusCode).toBe(404);
    await w.expect(200, 'proposer', `/blacklist/${id}/notice`);
    expect((await w.call(own, 'GET', `/blacklist/${id}`)).statusCode).toBe(200);
    const foreign = await w.call(other, 'GET', `/blacklist/${id}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().detail).toBe(`Blacklist entry ${id} does not exist`);
    await problem(404, other, `/blacklist/${id}/objections`, { statement: '不是我' });
    expect((await w.call(other, 'GET', `/enterprises/${valve}/blacklist`)).statusCode).toBe(403);
    expect((await w.call(other, 'GET', `/blacklist`)).statusCode).toBe(403);
  });

  it('never lets the proposer decide, nor anyone before the deadline or with an objection pending', async () => {
    const id = await noticed();
    await problem(403, 'proposer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '同意' });
    const early = await problem(409, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '同意' });
    expect(early).toMatchObject({
      type: 'urn:quality-credit:problem:objection-window-open',
      status: 409,
      detail: expect.stringContaining('2026-03-16T16:00:00.000Z'),
    });
    clock.set('2026-03-16T15:59:00Z'); // the last minute of the last day
    const objection = await w.expect(201, own, `/blacklist/${id}/objections`, { statement: '样品非本企业生产' });
    clock.set(PAST_DEADLINE);
    const late = await problem(409, own, `/blacklist/${id}/objections`, { statement: '补充申辩' });
    expect(late.type).toBe('urn:quality-credit:problem:objection-window-closed');
    const pending = await problem(409, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '同意' });
    expect(pending.type).toBe('urn:quality-credit:problem:objection-pending');
    await problem(403, 'proposer', `/blacklist/${id}/objections/${objection.id}/decision`, {
      outcome: 'dismissed',
      note: '不成立',
    });
    await problem(404, 'reviewer', `/blacklist/${id}/objections/999999/decision`, { outcome: 'dismissed', note: 'x' });
    await w.expect(200, 'reviewer', `/blacklist/${id}/objections/${objection.id}/decision`, {
      outcome: 'dismissed',
      note: '不成立',
    });
    const twice = await problem(409, 'reviewer', `/blacklist/${id}/objections/${objection.id}/decision`, {
      outcome: 'upheld',
      note: '改判',
    });
    expect(twice.type).toBe('urn:quality-credit:problem:already-decided');
    expect(
      (await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '同意' })).status,
    ).toBe('approved');
  });

  it('ends a proposal as rejected when an objection is upheld, and names the state of an illegal move', async () => {
    const id = await noticed();
    const objection = await w.expect(201, 'regulator', `/blacklist/${id}/objections`, { statement: '代为提交的申辩' });
    expect(objection.filedRole).toBe('regulator');
    const rejected = await w.expect(200, 'reviewer', `/blacklist/${id}/objections/${objection.id}/decision`, {
      outcome: 'upheld',
      note: '申辩成立',
    });
    expect(rejected.status).toBe('rejected');
    const illegal = await problem(409, 'reviewer', `/blacklist/${id}/publish`);
    expect(illegal).toMatchObject({
      type: 'urn:quality-credit:problem:illegal-transition',
      status: 409,
      state: 'rejected',
      detail: expect.stringContaining('rejected'),
    });
    expect((await problem(409, 'proposer', `/blacklist/${id}/withdrawal`)).detail).toContain('rejected');
    expect(await w.events(valve)).toEqual([]);
  });

  it('rejects a proposal on decision, and refuses a second notice naming the state', async () => {
    const id = await noticed();
    expect((await problem(409, 'proposer', `/blacklist/${id}/notice`)).detail).toContain('noticed');
    clock.set(PAST_DEADLINE);
    const rejected = await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, {
      outcome: 'rejected',
      note: '证据不足',
    });
    expect(rejected.status).toBe('rejected');
  });

  it('lets only the proposer withdraw, and only before publication', async () => {
    const id = await noticed();
    await problem(403, 'regulator', `/blacklist/${id}/withdrawal`);
    const withdrawn = await w.expect(200, 'proposer', `/blacklist/${id}/withdrawal`, { note: '补充调查后再议' });
    expect(withdrawn).toMatchObject({ status: 'withdrawn' });
    expect(withdrawn.transitions.at(-1)).toMatchObject({ action: 'withdraw', from: 'noticed', note: '补充调查后再议' });
    const live = await published();
    expect((await problem(409, 'proposer', `/blacklist/${live}/withdrawal`)).detail).toContain('published');
  });

  it('revokes a published entry, telling partners', async () => {
    const id = await published();
    const revoked = await w.expect(200, 'reviewer', `/blacklist/${id}/revocation`, {
      note: '原处罚决定经行政复议撤销',
      documentRef: '温政复决字〔2026〕21号',
    });
    expect(revoked).toMatchObject({
      status: 'removed',
      removalReason: 'revoked',
      removedAt: '2026-03-17T01:00:00.000Z',
    });
    const events = (await w.events(valve)).filter((e) => e.data.entryId === id);
    expect(events.map((e) => [e.type, e.data.removalReason])).toEqual([
      ['blacklist.published', undefined],
      ['blacklist.removed', 'revoked'],
    ]);
    await problem(409, 'reviewer', `/blacklist/${id}/revocation`, { note: '再次撤销' });
  });

  it('lets exactly one of two concurrent moves on one entry through', async () => {
    const id = await noticed();
    clock.set(PAST_DEADLINE);
    const decisions = await Promise.all(
      (['approved', 'rejected'] as const).map((outcome) =>
        w.call('reviewer', 'POST', `/blacklist/${id}/decision`, { outcome, note: outcome }),
      ),
    );
    expect(decisions.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const decided = await w.entry(id);
    expect(decided.transitions.filter((m: { action: string }) => m.action === 'decide')).toHaveLength(1);
    if (decided.status !== 'approved') return; // the rejection won: nothing to publish

    const before = (await w.events(valve)).length;
    const publications = await Promise.all([
      w.call('reviewer', 'POST', `/blacklist/${id}/publish`, {}),
      w.call('regulator', 'POST', `/blacklist/${id}/publish`, {}),
    ]);
    expect(publications.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(publications.find((r) => r.statusCode === 409)!.json().detail).toContain('published');
    expect((await w.events(valve)).length).toBe(before + 1);
    expect((await w.entry(id)).transitions.filter((m: { action: string }) => m.action === 'publish')).toHaveLength(1);
  });

  it('counts deadlines on the calendar that administrators keep', async () => {
    const year = (await t.request({ method: 'GET', url: '/api/v1/calendar/days?year=2026' })).json();
    expect(year).toHaveLength(25);
    expect(year).toContainEqual({ date: '2026-02-16', working: false, name: '春节 Spring Festival' });
    expect(year).toContainEqual({ date: '2026-02-28', working: true, name: '春节调休 Spring Festival exchange' });

    const day = { working: false, name: '台风停工 Typhoon closure' };
    expect((await w.call('regulator', 'PUT', '/calendar/days/2026-03-04', day)).statusCode).toBe(403);
    const mismatch = await w.call('admin', 'PUT', '/calendar/days/2026-03-07', day); // a Saturday
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().errors).toEqual([{ field: 'working', message: expect.stringContaining('weekend') }]);
    expect((await w.call('admin', 'PUT', '/calendar/days/2026-02-30', day)).statusCode).toBe(400);
    const set = await w.call('admin', 'PUT', '/calendar/days/2026-03-04', day);
    expect(set.json()).toEqual({ date: '2026-03-04', ...day });

    const id = await noticed();
    expect((await w.entry(id)).objectionDeadline).toBe('2026-03-17T16:00:00.000Z'); // one working day later

    expect((await w.call('admin', 'DELETE', '/calendar/days/2026-03-04')).statusCode).toBe(204);
    expect((await w.call('admin', 'DELETE', '/calendar/days/2026-03-04')).statusCode).toBe(404);
    const later = await noticed();
    expect((await w.entry(later)).objectionDeadline).toBe('2026-03-16T16:00:00.000Z');
    // A deadline already set stays as announced.
    expect((await w.entry(id)).objectionDeadline).toBe('2026-03-17T16:00:00.000Z');
    const audit = await t.sql(`SELECT action FROM audit_events WHERE entity_type = 'calendar_day' ORDER BY seq`);
    expect(audit).toEqual([{ action: 'calendar.set' }, { action: 'calendar.remove' }]);
  });

  it('lists the reasons for listing with their labels', async () => {
    const reasons = (await t.request({ method: 'GET', url: '/api/v1/blacklist-reasons' })).json();
    expect(reasons).toHaveLength(7);
    expect(reasons).toContainEqual({
      code: 'recall_refused',
      nameZh: '拒不召回缺陷产品',
      nameEn: 'Refusing to recall defective products',
    });
  });
});
