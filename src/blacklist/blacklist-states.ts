/**
 * The blacklist's due process as a table: which move may be made from which status, by whom,
 * under which guards, and where it leads. Pure; the service loads the context (under a row
 * lock) and stores what the move decides.
 *
 *   proposed → noticed → approved | rejected;  approved → published → removed
 *   withdrawn from proposed, noticed or approved (the proposer only)
 *   objections while noticed (an upheld one ends the proposal as rejected)
 *   repair applications while published (a granted one removes the entry)
 */

export const STATUSES = ['proposed', 'noticed', 'approved', 'rejected', 'published', 'removed', 'withdrawn'] as const;
export type Status = (typeof STATUSES)[number];

export const REMOVAL_REASONS = ['expired', 'repaired', 'revoked'] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

export const ACTIONS = [
  'notice',
  'object',
  'decideObjection',
  'decide',
  'publish',
  'applyRepair',
  'decideRepair',
  'revoke',
  'withdraw',
  'expire',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The role in which a move is made: `enterprise` is the enterprise concerned, `system` the expiry job. */
export type MoveRole = 'regulator' | 'reviewer' | 'enterprise' | 'system';

export type Outcome = 'approved' | 'rejected' | 'upheld' | 'dismissed' | 'granted' | 'refused';

/** What a guard needs to know about the entry and the moment. */
export interface MoveContext {
  role: MoveRole;
  /** The caller is the user who proposed the entry. */
  isProposer: boolean;
  now: Date;
  /** Today's date in Beijing, YYYY-MM-DD. */
  today: string;
  objectionDeadline: Date | null;
  pendingObjections: number;
  earliestRepairDate: string | null;
  expiresAt: Date | null;
  pendingRepairApplications: number;
  /** The outcome of a decision (decide, decideObjection, decideRepair). */
  outcome?: Outcome;
}

/** Why a move is refused, in English (`detail`, as the API answers by default) and in Chinese. */
export type Refusal =
  | { kind: 'forbidden'; detail: string; detailZh: string }
  | { kind: 'state'; detail: string; detailZh: string }
  | { kind: 'rule'; code: string; detail: string; detailZh: string };

/** The statuses, moves and roles in Chinese, for the refusals' Chinese text. */
export const STATUS_ZH: Record<Status, string> = {
  proposed: '已提出',
  noticed: '已告知',
  approved: '已同意列入',
  rejected: '不予列入',
  published: '已公示',
  removed: '已移出',
  withdrawn: '已撤回',
};
export const ACTION_ZH: Record<Action, string> = {
  notice: '送达告知',
  object: '提出陈述申辩',
  decideObjection: '决定陈述申辩',
  decide: '决定是否列入',
  publish: '公示',
  applyRepair: '申请信用修复',
  decideRepair: '决定信用修复',
  revoke: '撤销列入',
  withdraw: '撤回',
  expire: '期满移出',
};
const ROLE_ZH: Record<MoveRole, string> = {
  regulator: '监管人员',
  reviewer: '审核人员',
  enterprise: '企业',
  system: '系统',
};

export type Verdict = { ok: true; to: Status; removalReason: RemovalReason | null } | { ok: false; refusal: Refusal };

interface Move {
  from: readonly Status[];
  roles: readonly MoveRole[];
  /** Where it leads; some moves keep the status (an objection filed, a repair refused). */
  to: (ctx: MoveContext) => Status;
  removalReason?: RemovalReason;
  /** A refusal, or null when the move may be made. */
  guard?: (ctx: MoveContext) => Refusal | null;
}

const rule = (code: string, detail: string, detailZh: string): Refusal => ({ kind: 'rule', code, detail, detailZh });
const forbidden = (detail: string, detailZh: string): Refusal => ({ kind: 'forbidden', detail, detailZh });
const at = (d: Date | null) => d?.toISOString() ?? '—';

export const MOVES: Record<Action, Move> = {
  notice: { from: ['proposed'], roles: ['regulator'], to: () => 'noticed' },
  object: {
    from: ['noticed'],
    roles: ['enterprise', 'regulator'],
    to: () => 'noticed',
    guard: (c) =>
      c.objectionDeadline && c.now < c.objectionDeadline
        ? null
        : rule(
            'objection-window-closed',
            `The objection window closed at ${at(c.objectionDeadline)}`,
            `陈述申辩期已于 ${at(c.objectionDeadline)} 结束`,
          ),
  },
  decideObjection: {
    from: ['noticed'],
    roles: ['reviewer'],
    to: (c) => (c.outcome === 'upheld' ? 'rejected' : 'noticed'),
  },
  decide: {
    from: ['noticed'],
    roles: ['reviewer'],
    to: (c) => (c.outcome === 'approved' ? 'approved' : 'rejected'),
    guard: (c) => {
      if (c.isProposer) return forbidden('The approver must not be the proposer', '提出人不能作出列入决定');
      if (!c.objectionDeadline || c.now < c.objectionDeadline)
        return rule(
          'objection-window-open',
          `No decision before the objection deadline ${at(c.objectionDeadline)}`,
          `陈述申辩期截止（${at(c.objectionDeadline)}）前不能作出决定`,
        );
      if (c.pendingObjections > 0)
        return rule(
          'objection-pending',
          `${c.pendingObjections} objection(s) await a decision first`,
          `须先决定尚待处理的 ${c.pendingObjections} 项陈述申辩`,
        );
      return null;
    },
  },
  publish: { from: ['approved'], roles: ['regulator', 'reviewer'], to: () => 'published' },
  applyRepair: {
    from: ['published'],
    roles: ['enterprise', 'regulator'],
    to: () => 'published',
    guard: (c) => {
      if (!c.earliestRepairDate || c.today < c.earliestRepairDate)
        return rule(
          'repair-too-early',
          `Credit repair may be applied for from ${c.earliestRepairDate ?? '—'}`,
          `自 ${c.earliestRepairDate ?? '—'} 起方可申请信用修复`,
        );
      if (c.pendingRepairApplications > 0)
        return rule(
          'repair-pending',
          'A repair application for this entry awaits a decision',
          '此条目已有一项信用修复申请等待决定',
        );
      return null;
    },
  },
  decideRepair: {
    from: ['published'],
    roles: ['reviewer'],
    to: (c) => (c.outcome === 'granted' ? 'removed' : 'published'),
    removalReason: 'repaired',
  },
  revoke: { from: ['published'], roles: ['reviewer'], to: () => 'removed', removalReason: 'revoked' },
  withdraw: {
    from: ['proposed', 'noticed', 'approved'],
    roles: ['regulator'],
    to: () => 'withdrawn',
    guard: (c) => (c.isProposer ? null : forbidden('Only the proposer may withdraw a proposal', '只有提出人可以撤回')),
  },
  expire: {
    from: ['published'],
    roles: ['system'],
    to: () => 'removed',
    removalReason: 'expired',
    guard: (c) =>
      c.expiresAt && c.now >= c.expiresAt
        ? null
        : rule('not-expired', `The listing runs until ${at(c.expiresAt)}`, `列入期限至 ${at(c.expiresAt)}`),
  },
};

/**
 * Whether `action` may be made on an entry in `status` in this context, and where it leads.
 * Checked in order: the role (403), the status (409 naming it), then the move's own guard.
 */
export function decide(status: Status, action: Action, ctx: MoveContext): Verdict {
  const move = MOVES[action];
  if (!move.roles.includes(ctx.role)) {
    return {
      ok: false,
      refusal: forbidden(`A ${ctx.role} may not ${action} an entry`, `${ROLE_ZH[ctx.role]}不能${ACTION_ZH[action]}`),
    };
  }
  if (!move.from.includes(status)) {
    return {
      ok: false,
      refusal: {
        kind: 'state',
        detail: `The entry is ${status}; ${action} needs it ${move.from.join(' or ')}`,
        detailZh: `该条目${STATUS_ZH[status]}；${ACTION_ZH[action]}须在${move.from.map((s) => STATUS_ZH[s]).join('或')}状态下进行`,
      },
    };
  }
  const refusal = move.guard?.(ctx);
  if (refusal) return { ok: false, refusal };
  const to = move.to(ctx);
  return { ok: true, to, removalReason: to === 'removed' ? (move.removalReason ?? null) : null };
}
