/**
 * Which of the due process's moves a person may make on an entry right now, and, for each one
 * they may not, why: the state machine (`blacklist-states.ts`) asked once per move with the
 * entry as it stands and the person looking at it. Pure; the staff console shows every move,
 * the ones refused disabled with their reason, so the four-eyes rule and the deadlines are
 * visible before anyone tries.
 */
import { beijingDate } from '../common/clock';
import { Action, decide, MoveRole, Outcome, Refusal, Status } from './blacklist-states';
import type { ProblemText } from '../common/problem';

/** A text in Chinese and English: the one bilingual shape, as problems carry theirs. */
export type Bilingual = ProblemText;

/** The moves as a person sees them (an action with its outcome: 同意列入 is `decide` approved). */
export const CONSOLE_MOVES = [
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
] as const;
export type ConsoleMove = (typeof CONSOLE_MOVES)[number];

export interface MoveSpec {
  action: Action;
  outcome?: Outcome;
  label: Bilingual;
  /** What is filed: an objection or a repair application (a form of its own, not a decision). */
  filing?: 'objection' | 'repair';
  /** The move issues a document, so its document number (文号) is required. */
  documentRequired: boolean;
  /** Shown as a dangerous button (it ends or undoes something). */
  danger?: boolean;
}

export const MOVE_SPECS: Record<ConsoleMove, MoveSpec> = {
  notice: { action: 'notice', label: { zh: '送达告知', en: 'Give notice' }, documentRequired: true },
  object: {
    action: 'object',
    label: { zh: '代为登记陈述申辩', en: 'Register an objection for the enterprise' },
    filing: 'objection',
    documentRequired: false,
  },
  'uphold-objection': {
    action: 'decideObjection',
    outcome: 'upheld',
    label: { zh: '异议成立', en: 'Uphold the objection' },
    documentRequired: false,
  },
  'dismiss-objection': {
    action: 'decideObjection',
    outcome: 'dismissed',
    label: { zh: '异议不成立', en: 'Dismiss the objection' },
    documentRequired: false,
  },
  approve: {
    action: 'decide',
    outcome: 'approved',
    label: { zh: '同意列入', en: 'Approve the listing' },
    documentRequired: true,
  },
  reject: {
    action: 'decide',
    outcome: 'rejected',
    label: { zh: '不予列入', en: 'Reject the listing' },
    documentRequired: true,
    danger: true,
  },
  publish: { action: 'publish', label: { zh: '公示', en: 'Publish' }, documentRequired: false },
  'apply-repair': {
    action: 'applyRepair',
    label: { zh: '代为登记信用修复申请', en: 'Register a repair application for the enterprise' },
    filing: 'repair',
    documentRequired: false,
  },
  'grant-repair': {
    action: 'decideRepair',
    outcome: 'granted',
    label: { zh: '准予修复', en: 'Grant the repair' },
    documentRequired: true,
  },
  'refuse-repair': {
    action: 'decideRepair',
    outcome: 'refused',
    label: { zh: '不予修复', en: 'Refuse the repair' },
    documentRequired: false,
  },
  revoke: {
    action: 'revoke',
    label: { zh: '撤销列入', en: 'Revoke the listing' },
    documentRequired: true,
    danger: true,
  },
  withdraw: { action: 'withdraw', label: { zh: '撤回', en: 'Withdraw' }, documentRequired: false, danger: true },
};

export function isConsoleMove(move: string): move is ConsoleMove {
  return (CONSOLE_MOVES as readonly string[]).includes(move);
}

export const STATUS_LABELS: Record<Status, Bilingual> = {
  proposed: { zh: '已提出，待告知', en: 'proposed' },
  noticed: { zh: '已告知', en: 'noticed' },
  approved: { zh: '已同意列入，待公示', en: 'approved' },
  rejected: { zh: '不予列入', en: 'rejected' },
  published: { zh: '已公示', en: 'published' },
  removed: { zh: '已移出', en: 'removed' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
};

/** Who may make a move, said once for every refusal by role (and by the proposer rule). */
const WHO_MAY: Record<Action, Bilingual> = {
  notice: { zh: '须由监管人员送达告知', en: 'Notice is given by a regulator' },
  object: {
    zh: '陈述申辩由企业提出，或由监管人员代为登记',
    en: 'The enterprise objects, or a regulator registers it on its behalf',
  },
  decideObjection: { zh: '须由审核人员决定', en: 'A reviewer decides' },
  decide: {
    zh: '须由审核人员决定，且不能是提出人',
    en: 'A reviewer decides, and not the one who proposed it',
  },
  publish: { zh: '须由监管人员或审核人员公示', en: 'A regulator or a reviewer publishes' },
  applyRepair: {
    zh: '修复申请由企业提出，或由监管人员代为登记',
    en: 'The enterprise applies, or a regulator registers it on its behalf',
  },
  decideRepair: { zh: '须由审核人员决定', en: 'A reviewer decides' },
  revoke: { zh: '须由审核人员撤销', en: 'A reviewer revokes' },
  withdraw: { zh: '只有提出人可以撤回', en: 'Only the proposer may withdraw' },
  expire: { zh: '到期由系统自动移出', en: 'The system removes expired entries' },
};

/** The statuses a move needs, as the state machine's table has them. */
const NEEDS: Record<Action, Status[]> = {
  notice: ['proposed'],
  object: ['noticed'],
  decideObjection: ['noticed'],
  decide: ['noticed'],
  publish: ['approved'],
  applyRepair: ['published'],
  decideRepair: ['published'],
  revoke: ['published'],
  withdraw: ['proposed', 'noticed', 'approved'],
  expire: ['published'],
};

/** An end instant (24:00 of a day) as a person reads it: `2026-03-13 24:00` in Beijing time. */
export function endOfDayText(end: Date): string {
  return `${beijingDate(new Date(end.getTime() - 1))} 24:00`;
}

/** What the state machine needs to know of an entry (the API's view of it has all this). */
export interface EntryForMoves {
  status: Status;
  proposedBy: string | null;
  objectionDeadline: Date | string | null;
  earliestRepairDate: string | null;
  expiresAt: Date | string | null;
  objections: { id: string; outcome: string | null }[];
  repairApplications: { id: string; outcome: string | null }[];
}

/** The person looking: their role and username (the proposer is known by username). */
export interface MoveViewer {
  role: string | null;
  username: string | null;
}

export interface MoveChoice {
  move: ConsoleMove;
  spec: MoveSpec;
  enabled: boolean;
  /** Why the move is refused now (null when enabled). */
  why: Bilingual | null;
  /** The objection or repair application a decision on one concerns (the oldest pending). */
  targetId: string | null;
}

const date = (d: Date | string | null) => (d === null ? null : new Date(d));

interface WhyTexts {
  pending: number;
  deadline: string;
  repairFrom: string;
}

function why(refusal: Refusal, action: Action, status: Status, texts: WhyTexts): Bilingual {
  if (refusal.kind === 'forbidden') return WHO_MAY[action];
  if (refusal.kind === 'state') {
    const needs = NEEDS[action];
    return {
      zh: `当前状态为“${STATUS_LABELS[status].zh}”，此操作仅适用于${needs.map((s) => `“${STATUS_LABELS[s].zh}”`).join('或')}`,
      en: `The entry is ${status}; this needs it ${needs.join(' or ')}`,
    };
  }
  return ruleText(refusal.code, refusal.detail, texts);
}

/** A guard's refusal in both languages (`detail` is the state machine's English). */
function ruleText(code: string, detail: string, ctx: WhyTexts): Bilingual {
  switch (code) {
    case 'objection-window-closed':
      return { zh: `陈述申辩期已于 ${ctx.deadline} 届满`, en: detail };
    case 'objection-window-open':
      return { zh: `陈述申辩期至 ${ctx.deadline} 届满，届满后方可决定`, en: detail };
    case 'objection-pending':
      return { zh: `尚有 ${ctx.pending} 件陈述申辩待决定，须先作出决定`, en: detail };
    case 'repair-too-early':
      return { zh: `自 ${ctx.repairFrom} 起方可申请信用修复`, en: detail };
    case 'repair-pending':
      return { zh: '已有一件修复申请待决定', en: detail };
    default:
      return { zh: detail, en: detail };
  }
}

/**
 * Every move of the console for this person on this entry at `now`: enabled, or disabled with
 * the reason the state machine gives (the role, the status, the proposer rule, the deadlines).
 * A decision on an objection or a repair application needs one pending; it concerns the oldest.
 */
export function movesFor(entry: EntryForMoves, viewer: MoveViewer, now: Date): MoveChoice[] {
  const pendingObjection = entry.objections.find((o) => o.outcome === null) ?? null;
  const pendingRepair = entry.repairApplications.find((a) => a.outcome === null) ?? null;
  const objectionDeadline = date(entry.objectionDeadline);
  const pending = entry.objections.filter((o) => o.outcome === null).length;
  const texts: WhyTexts = {
    pending,
    deadline: objectionDeadline ? endOfDayText(objectionDeadline) : '—',
    repairFrom: entry.earliestRepairDate ?? '—',
  };
  return CONSOLE_MOVES.map((move): MoveChoice => {
    const spec = MOVE_SPECS[move];
    const verdict = decide(entry.status, spec.action, {
      // An administrator (or anyone else) holds no role in the due process: refused by role.
      role: viewer.role as MoveRole,
      isProposer: viewer.username !== null && viewer.username === entry.proposedBy,
      now,
      today: beijingDate(now),
      objectionDeadline,
      pendingObjections: pending,
      earliestRepairDate: entry.earliestRepairDate,
      expiresAt: date(entry.expiresAt),
      pendingRepairApplications: entry.repairApplications.filter((a) => a.outcome === null).length,
      outcome: spec.outcome,
    });
    const targetId =
      spec.action === 'decideObjection'
        ? (pendingObjection?.id ?? null)
        : spec.action === 'decideRepair'
          ? (pendingRepair?.id ?? null)
          : null;
    if (!verdict.ok) {
      return { move, spec, enabled: false, why: why(verdict.refusal, spec.action, entry.status, texts), targetId };
    }
    if (spec.action === 'decideObjection' && !pendingObjection) {
      return {
        move,
        spec,
        enabled: false,
        why: { zh: '没有待决定的陈述申辩', en: 'No objection awaits a decision' },
        targetId,
      };
    }
    if (spec.action === 'decideRepair' && !pendingRepair) {
      return {
        move,
        spec,
        enabled: false,
        why: { zh: '没有待决定的修复申请', en: 'No repair application awaits a decision' },
        targetId,
      };
    }
    return { move, spec, enabled: true, why: null, targetId };
  });
}
