import { BlacklistModule } from '../../../src/blacklist/blacklist.module';
import { BlacklistService } from '../../../src/blacklist/blacklist.service';
import { CreateBlacklistEntryDto } from '../../../src/blacklist/dto/blacklist.dto';
import { Problem } from '../../../src/common/problem';
import { TestClock } from '../../helpers/clock';
import { blacklistEntry, enterprise, PROPOSAL, regulator, TestUser, user } from '../../helpers/factories';
import { CODES } from '../../helpers/fixtures';
import { ServiceContext } from '../../helpers/service-context';

describe('BlacklistService', () => {
  const START = '2026-03-02T02:00:00Z'; // Monday 2 March 2026, 10:00 in Beijing
  const clock = new TestClock(new Date(START));
  let s: ServiceContext;
  let blacklist: BlacklistService;
  let proposer: TestUser;
  let reviewer: TestUser;
  let valveCo: TestUser;

  beforeAll(async () => {
    s = await ServiceContext.start(__filename, [BlacklistModule], { clock });
    blacklist = s.get(BlacklistService);
    await enterprise(s.module, CODES.wenzhouLike);
    await enterprise(s.module, CODES.beijing, { districtCode: '330303' });
    proposer = await regulator(s.module, 'amr.svc.proposer', { departmentCode: 'AMR' });
    reviewer = await user(s.module, { username: 'amr.svc.reviewer', role: 'reviewer', departmentCode: 'AMR' });
    valveCo = await user(s.module, { username: 'valve.svc', role: 'enterprise', uscc: CODES.wenzhouLike });
  });
  afterAll(() => s.close());
  beforeEach(() => clock.set(START));

  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => {
        throw new Error('expected a refusal');
      },
      (error: unknown) => {
        if (!(error instanceof Problem)) throw error;
        return { status: error.status, code: error.code, ...error.extensions };
      },
    );
  const events = (uscc: string) =>
    s.sql<{ type: string }>(`SELECT type FROM change_events WHERE uscc = $1 AND type LIKE 'blacklist.%' ORDER BY seq`, [
      uscc,
    ]);

  it('takes a listing through proposal, notice, an objection, its decision, approval and publication', async () => {
    const proposed = await blacklist.propose(
      { uscc: CODES.wenzhouLike, ...PROPOSAL } as CreateBlacklistEntryDto,
      proposer,
      'AMR',
    );
    expect(proposed).toMatchObject({
      status: 'proposed',
      uscc: CODES.wenzhouLike,
      districtCode: '330302',
      departmentCode: 'AMR',
      proposedBy: 'amr.svc.proposer',
      periodMonths: 36,
      noticedAt: null,
    });

    // Notice on Monday 2 March: the objection window runs ten working days, to the end of Monday 16 March.
    const noticed = await blacklist.notice(proposed.id, {}, proposer);
    expect(noticed.status).toBe('noticed');
    expect(new Date(noticed.objectionDeadline!).toISOString()).toBe('2026-03-16T16:00:00.000Z');

    clock.set('2026-03-10T02:00:00Z');
    const objection = await blacklist.object(proposed.id, { statement: '抽查样品并非本公司产品' }, valveCo);
    expect(objection).toMatchObject({ statement: '抽查样品并非本公司产品', outcome: null });

    // Past the deadline, a decision waits for the objection's.
    clock.set('2026-03-17T02:00:00Z');
    expect(
      await refusal(blacklist.decideProposal(proposed.id, { outcome: 'approved', note: '证据充分' }, reviewer)),
    ).toEqual({
      status: 409,
      code: 'objection-pending',
      state: 'noticed',
    });
    const dismissed = await blacklist.decideObjection(
      proposed.id,
      objection.id,
      { outcome: 'dismissed', note: '样品来源经核实' },
      reviewer,
    );
    expect(dismissed.status).toBe('noticed');
    const approved = await blacklist.decideProposal(proposed.id, { outcome: 'approved', note: '证据充分' }, reviewer);
    expect(approved).toMatchObject({ status: 'approved', decidedAt: expect.any(Date) });

    const published = await blacklist.publish(proposed.id, {}, proposer);
    expect(published).toMatchObject({ status: 'published', earliestRepairDate: expect.any(String) });
    expect(new Date(published.publishedAt!).toISOString()).toBe('2026-03-17T02:00:00.000Z');
    expect(published.transitions.map((t) => t.action)).toEqual([
      'propose',
      'notice',
      'object',
      'decideObjection',
      'decide',
      'publish',
    ]);
    expect(await events(CODES.wenzhouLike)).toEqual([{ type: 'blacklist.published' }]);
    const [{ n }] = await s.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE entity_type = 'blacklist_entry' AND entity_id = $1`,
      [proposed.id],
    );
    expect(n).toBe(6);
  });

  it('refuses a move out of turn, naming the state, and changes nothing', async () => {
    const entry = await blacklistEntry(s.module, { proposer, reviewer, clock }, CODES.beijing, 'proposed');
    expect(await refusal(blacklist.publish(entry.id, {}, proposer))).toEqual({
      status: 409,
      code: 'illegal-transition',
      state: 'proposed',
    });
    // Before notice, the enterprise does not even see the entry.
    expect(await refusal(blacklist.object(entry.id, { statement: '异议' }, valveCo))).toMatchObject({ status: 404 });
    const noticed = await blacklist.notice(entry.id, {}, proposer);
    expect(await refusal(blacklist.decideProposal(entry.id, { outcome: 'approved', note: '过早' }, reviewer))).toEqual({
      status: 409,
      code: 'objection-window-open',
      state: 'noticed',
    });
    expect(await refusal(blacklist.decideProposal(entry.id, { outcome: 'approved', note: '自审' }, proposer))).toEqual({
      status: 403,
      code: 'forbidden',
    });
    const after = await blacklist.findOne(entry.id, reviewer);
    expect(after).toEqual(noticed);
  });

  it('brings entries to a given state for other tests, through the same moves', async () => {
    const people = { proposer, reviewer, clock };
    const rejected = await blacklistEntry(s.module, people, CODES.beijing, 'rejected');
    expect(rejected.status).toBe('rejected');
    const withdrawn = await blacklistEntry(s.module, people, CODES.beijing, 'withdrawn');
    expect(withdrawn).toMatchObject({ status: 'withdrawn' });
    clock.set(START);
    const published = await blacklistEntry(s.module, people, CODES.beijing, 'published');
    expect(published.transitions.map((t) => t.action)).toEqual(['propose', 'notice', 'decide', 'publish']);
  });
});
