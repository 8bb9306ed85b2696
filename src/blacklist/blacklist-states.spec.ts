import { Action, ACTIONS, decide, MoveContext, MoveRole, Outcome, Status, STATUSES } from './blacklist-states';

const NOW = new Date('2026-06-01T02:00:00Z');
const BEFORE = new Date('2026-05-01T00:00:00Z');
const AFTER = new Date('2026-07-01T00:00:00Z');

/** A context in which every guard passes. */
const open = (overrides: Partial<MoveContext> = {}): MoveContext => ({
  role: 'reviewer',
  isProposer: false,
  now: NOW,
  today: '2026-06-01',
  objectionDeadline: BEFORE,
  pendingObjections: 0,
  earliestRepairDate: '2026-05-01',
  expiresAt: BEFORE,
  pendingRepairApplications: 0,
  ...overrides,
});

/** Each move: the role it is made in, the statuses it starts from, and where it leads (with outcome). */
const TABLE: Record<Action, { role: MoveRole; from: Status[]; leads: [Outcome | undefined, Status, string | null][] }> =
  {
    notice: { role: 'regulator', from: ['proposed'], leads: [[undefined, 'noticed', null]] },
    object: { role: 'enterprise', from: ['noticed'], leads: [[undefined, 'noticed', null]] },
    decideObjection: {
      role: 'reviewer',
      from: ['noticed'],
      leads: [
        ['upheld', 'rejected', null],
        ['dismissed', 'noticed', null],
      ],
    },
    decide: {
      role: 'reviewer',
      from: ['noticed'],
      leads: [
        ['approved', 'approved', null],
        ['rejected', 'rejected', null],
      ],
    },
    publish: { role: 'reviewer', from: ['approved'], leads: [[undefined, 'published', null]] },
    applyRepair: { role: 'enterprise', from: ['published'], leads: [[undefined, 'published', null]] },
    decideRepair: {
      role: 'reviewer',
      from: ['published'],
      leads: [
        ['granted', 'removed', 'repaired'],
        ['refused', 'published', null],
      ],
    },
    revoke: { role: 'reviewer', from: ['published'], leads: [[undefined, 'removed', 'revoked']] },
    withdraw: {
      role: 'regulator',
      from: ['proposed', 'noticed', 'approved'],
      leads: [[undefined, 'withdrawn', null]],
    },
    expire: { role: 'system', from: ['published'], leads: [[undefined, 'removed', 'expired']] },
  };

const ROLES: MoveRole[] = ['regulator', 'reviewer', 'enterprise', 'system'];
const ALLOWED_ROLES: Record<Action, MoveRole[]> = {
  notice: ['regulator'],
  object: ['enterprise', 'regulator'],
  decideObjection: ['reviewer'],
  decide: ['reviewer'],
  publish: ['regulator', 'reviewer'],
  applyRepair: ['enterprise', 'regulator'],
  decideRepair: ['reviewer'],
  revoke: ['reviewer'],
  withdraw: ['regulator'],
  expire: ['system'],
};

describe('blacklist state machine', () => {
  describe.each(ACTIONS)('%s', (action) => {
    const { role, from, leads } = TABLE[action];
    const isProposer = action === 'withdraw';
    // Objections are taken before the deadline, decisions after it.
    const objectionDeadline = action === 'object' ? AFTER : BEFORE;

    it.each(from.flatMap((status) => leads.map(([outcome, to, reason]) => [status, outcome, to, reason] as const)))(
      'is allowed from %s (outcome %s) and leads to %s, removal reason %s',
      (status, outcome, to, removalReason) => {
        expect(decide(status, action, open({ role, isProposer, outcome, objectionDeadline }))).toEqual({
          ok: true,
          to,
          removalReason,
        });
      },
    );

    it.each(STATUSES.filter((s) => !from.includes(s)))('is refused from %s, naming the status', (status) => {
      const verdict = decide(status, action, open({ role, isProposer, outcome: leads[0][0], objectionDeadline }));
      expect(verdict).toEqual({
        ok: false,
        refusal: { kind: 'state', detail: expect.stringContaining(status), detailZh: expect.any(String) },
      });
    });

    it.each(ROLES.filter((r) => !ALLOWED_ROLES[action].includes(r)))('is refused to a %s', (other) => {
      const verdict = decide(
        from[0],
        action,
        open({ role: other, isProposer, outcome: leads[0][0], objectionDeadline }),
      );
      expect(verdict).toMatchObject({ ok: false, refusal: { kind: 'forbidden' } });
    });

    it.each(ALLOWED_ROLES[action])('is open to a %s', (allowed) => {
      expect(
        decide(from[0], action, open({ role: allowed, isProposer, outcome: leads[0][0], objectionDeadline })).ok,
      ).toBe(true);
    });
  });

  const refused = (status: Status, action: Action, ctx: Partial<MoveContext>) => decide(status, action, open(ctx));

  it('takes objections only before the deadline', () => {
    expect(refused('noticed', 'object', { role: 'enterprise', objectionDeadline: AFTER }).ok).toBe(true);
    expect(refused('noticed', 'object', { role: 'enterprise', objectionDeadline: NOW })).toMatchObject({
      refusal: { kind: 'rule', code: 'objection-window-closed' },
    });
    expect(refused('noticed', 'object', { role: 'enterprise', objectionDeadline: null })).toMatchObject({
      refusal: { code: 'objection-window-closed' },
    });
  });

  it('decides a proposal only after the deadline, with no objection pending, and never by the proposer', () => {
    expect(refused('noticed', 'decide', { outcome: 'approved', objectionDeadline: AFTER })).toMatchObject({
      refusal: { kind: 'rule', code: 'objection-window-open' },
    });
    expect(refused('noticed', 'decide', { outcome: 'approved', objectionDeadline: NOW }).ok).toBe(true);
    expect(refused('noticed', 'decide', { outcome: 'rejected', pendingObjections: 1 })).toMatchObject({
      refusal: { kind: 'rule', code: 'objection-pending' },
    });
    expect(refused('noticed', 'decide', { outcome: 'approved', isProposer: true })).toMatchObject({
      refusal: {
        kind: 'forbidden',
        detail: 'The approver must not be the proposer',
        detailZh: '提出人不能作出列入决定',
      },
    });
  });

  it('takes repair applications from the earliest repair date, one at a time', () => {
    const enterprise = { role: 'enterprise' as const };
    expect(refused('published', 'applyRepair', { ...enterprise, earliestRepairDate: '2026-06-02' })).toMatchObject({
      refusal: { kind: 'rule', code: 'repair-too-early' },
    });
    expect(refused('published', 'applyRepair', { ...enterprise, earliestRepairDate: '2026-06-01' }).ok).toBe(true);
    expect(refused('published', 'applyRepair', { ...enterprise, pendingRepairApplications: 1 })).toMatchObject({
      refusal: { kind: 'rule', code: 'repair-pending' },
    });
  });

  it('lets only the proposer withdraw', () => {
    expect(refused('noticed', 'withdraw', { role: 'regulator', isProposer: false })).toMatchObject({
      refusal: {
        kind: 'forbidden',
        detail: 'Only the proposer may withdraw a proposal',
        detailZh: '只有提出人可以撤回',
      },
    });
  });

  it('expires a listing only once its period has run', () => {
    expect(refused('published', 'expire', { role: 'system', expiresAt: NOW }).ok).toBe(true);
    expect(refused('published', 'expire', { role: 'system', expiresAt: AFTER })).toMatchObject({
      refusal: { kind: 'rule', code: 'not-expired' },
    });
  });

  it('checks the role before the status, and the status before the guards', () => {
    expect(refused('removed', 'decide', { role: 'regulator' })).toMatchObject({ refusal: { kind: 'forbidden' } });
    expect(refused('removed', 'decide', { objectionDeadline: AFTER })).toMatchObject({ refusal: { kind: 'state' } });
  });
});

describe('refusals in Chinese', () => {
  const CHINESE = /[\u4e00-\u9fff]/;

  it('refuses every blacklist move in every status and role in Chinese', () => {
    const roles: MoveRole[] = ['regulator', 'reviewer', 'enterprise', 'system'];
    const contexts: Partial<MoveContext>[] = [
      { isProposer: true, objectionDeadline: null, pendingObjections: 1, pendingRepairApplications: 1 },
      { isProposer: false, objectionDeadline: new Date(0), pendingObjections: 2, earliestRepairDate: '2999-01-01' },
    ];
    let refusals = 0;
    for (const status of STATUSES)
      for (const action of ACTIONS)
        for (const role of roles)
          for (const context of contexts) {
            const verdict = decide(status, action, {
              role,
              isProposer: false,
              now: new Date('2026-03-02T02:00:00Z'),
              today: '2026-03-02',
              objectionDeadline: null,
              pendingObjections: 0,
              earliestRepairDate: null,
              expiresAt: new Date('2030-01-01T00:00:00Z'),
              pendingRepairApplications: 0,
              ...context,
            });
            if (verdict.ok) continue;
            refusals++;
            expect(verdict.refusal.detailZh).toMatch(CHINESE);
            expect(verdict.refusal.detailZh).not.toMatch(/undefined/);
          }
    expect(refusals).toBeGreaterThan(500);
  });
});
