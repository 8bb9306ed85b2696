import { ConsoleMove, EntryForMoves, MoveChoice, movesFor, MoveViewer } from './blacklist-moves';
import { Status } from './blacklist-states';
import { workingDaysUntil } from '../common/calendar-days';

const NOW = new Date('2026-06-01T02:00:00Z'); // Monday 10:00 in Beijing
const PROPOSER: MoveViewer = { role: 'regulator', username: 'amr.proposer' };
const REGULATOR: MoveViewer = { role: 'regulator', username: 'amr.other' };
const REVIEWER: MoveViewer = { role: 'reviewer', username: 'amr.reviewer' };
const ADMIN: MoveViewer = { role: 'admin', username: 'admin' };

const entry = (status: Status, overrides: Partial<EntryForMoves> = {}): EntryForMoves => ({
  status,
  proposedBy: 'amr.proposer',
  objectionDeadline: null,
  earliestRepairDate: null,
  expiresAt: null,
  objections: [],
  repairApplications: [],
  ...overrides,
});

const byMove = (choices: MoveChoice[]) => new Map(choices.map((c) => [c.move, c]));
const enabled = (choices: MoveChoice[]) => choices.filter((c) => c.enabled).map((c) => c.move);

describe('movesFor', () => {
  it('shows every move, in the order of due process, each enabled or with its reason', () => {
    const choices = movesFor(entry('proposed'), PROPOSER, NOW);
    expect(choices.map((c) => c.move)).toEqual([
      'notice',
      'object',
      'uphold-objection',
      'dismiss-objection',
      'approve',
      'reject',
      'publish',
      'apply-repair',
      'grant-repair',
      'refuse-repair',
      'revoke',
      'withdraw',
    ]);
    for (const c of choices) expect(c.enabled ? c.why === null : Boolean(c.why?.zh)).toBe(true);
    expect(enabled(choices)).toEqual(['notice', 'withdraw']);
  });

  it('lets only the proposer withdraw', () => {
    const other = byMove(movesFor(entry('proposed'), REGULATOR, NOW));
    expect(other.get('withdraw')).toMatchObject({ enabled: false, why: { zh: '只有提出人可以撤回' } });
    expect(other.get('notice')!.enabled).toBe(true);
  });

  it('refuses 同意列入 to the proposer with the four-eyes rule, and before the deadline to a reviewer', () => {
    const noticed = entry('noticed', { objectionDeadline: new Date('2026-06-06T16:00:00Z') });
    const proposer = byMove(movesFor(noticed, PROPOSER, NOW));
    expect(proposer.get('approve')).toMatchObject({
      enabled: false,
      why: { zh: '须由审核人员决定，且不能是提出人' },
    });
    const reviewer = byMove(movesFor(noticed, REVIEWER, NOW));
    expect(reviewer.get('approve')).toMatchObject({
      enabled: false,
      why: { zh: '陈述申辩期至 2026-06-06 24:00 届满，届满后方可决定' },
    });
    expect(enabled(movesFor(noticed, REGULATOR, NOW))).toEqual(['object']);
  });

  it('refuses the decision to a reviewer who proposed it (a proposer who became a reviewer)', () => {
    const noticed = entry('noticed', { objectionDeadline: new Date('2026-05-20T16:00:00Z') });
    const reviewerProposer = { role: 'reviewer', username: 'amr.proposer' };
    expect(byMove(movesFor(noticed, reviewerProposer, NOW)).get('approve')).toMatchObject({
      enabled: false,
      why: { zh: '须由审核人员决定，且不能是提出人' },
    });
    expect(enabled(movesFor(noticed, REVIEWER, NOW))).toEqual(['approve', 'reject']);
  });

  it('asks for the pending objection first, and decides the oldest pending one', () => {
    const noticed = entry('noticed', {
      objectionDeadline: new Date('2026-05-20T16:00:00Z'),
      objections: [
        { id: '3', outcome: 'dismissed' },
        { id: '4', outcome: null },
      ],
    });
    const reviewer = byMove(movesFor(noticed, REVIEWER, NOW));
    expect(reviewer.get('approve')).toMatchObject({
      enabled: false,
      why: { zh: '尚有 1 件陈述申辩待决定，须先作出决定' },
    });
    expect(reviewer.get('uphold-objection')).toMatchObject({ enabled: true, targetId: '4' });
    expect(reviewer.get('dismiss-objection')).toMatchObject({ enabled: true, targetId: '4' });
    expect(byMove(movesFor(noticed, REGULATOR, NOW)).get('object')).toMatchObject({
      enabled: false,
      why: { zh: '陈述申辩期已于 2026-05-20 24:00 届满' },
    });
  });

  it('says which status a move needs', () => {
    const moves = byMove(movesFor(entry('published', { earliestRepairDate: '2026-09-01' }), REVIEWER, NOW));
    expect(moves.get('publish')!.why!.zh).toBe('当前状态为“已公示”，此操作仅适用于“已同意列入，待公示”');
    expect(moves.get('grant-repair')).toMatchObject({ enabled: false, why: { zh: '没有待决定的修复申请' } });
    expect(enabled([...moves.values()])).toEqual(['revoke']);
    const early = byMove(movesFor(entry('published', { earliestRepairDate: '2026-09-01' }), REGULATOR, NOW));
    expect(early.get('apply-repair')!.why!.zh).toBe('自 2026-09-01 起方可申请信用修复');
  });

  it('enables the repair decision on a pending application', () => {
    const published = entry('published', {
      earliestRepairDate: '2026-05-01',
      repairApplications: [{ id: '9', outcome: null }],
    });
    expect(enabled(movesFor(published, REVIEWER, NOW))).toEqual(['grant-repair', 'refuse-repair', 'revoke']);
    expect(byMove(movesFor(published, REGULATOR, NOW)).get('apply-repair')!.why!.zh).toBe('已有一件修复申请待决定');
  });

  it('gives an administrator no move, each with who may make it', () => {
    for (const status of ['proposed', 'noticed', 'approved', 'published'] as Status[]) {
      const choices = movesFor(entry(status), ADMIN, NOW);
      expect(enabled(choices)).toEqual([]);
    }
    const approved = byMove(movesFor(entry('approved'), ADMIN, NOW));
    expect(approved.get('publish')!.why!.zh).toBe('须由监管人员或审核人员公示');
  });

  it.each<[Status, MoveViewer, ConsoleMove[]]>([
    ['approved', REGULATOR, ['publish']],
    ['approved', PROPOSER, ['publish', 'withdraw']],
    ['approved', REVIEWER, ['publish']],
    ['rejected', REVIEWER, []],
    ['removed', REVIEWER, []],
    ['withdrawn', PROPOSER, []],
  ])('%s for %j: %j', (status, viewer, moves) => {
    expect(enabled(movesFor(entry(status), viewer, NOW))).toEqual(moves);
  });
});

describe('workingDaysUntil', () => {
  const none = new Map<string, boolean>();
  it('counts the working days after today up to the last day, negative once passed', () => {
    expect(workingDaysUntil('2026-06-01', '2026-06-01', none)).toBe(0);
    expect(workingDaysUntil('2026-06-01', '2026-06-05', none)).toBe(4);
    expect(workingDaysUntil('2026-06-05', '2026-06-08', none)).toBe(1); // over a weekend
    expect(workingDaysUntil('2026-06-09', '2026-06-05', none)).toBe(-2);
    expect(workingDaysUntil('2026-06-01', '2026-06-05', new Map([['2026-06-03', false]]))).toBe(3);
  });
});
