import {
  Action,
  decide as decideMove,
  MoveRole,
  Outcome,
  RemovalReason,
  Status,
} from '../../blacklist/blacklist-states';
import type { ReasonCode } from '../../blacklist/dto/blacklist.dto';
import { CalendarExceptions, earliestRepairDate, listingExpiry, objectionDeadline } from '../../common/calendar-days';
import { beijingDate } from '../../common/clock';

// The blacklist's plan: entries in every state, each history a list of moves at planned moments,
// dated back from the as-of date. The plan follows each entry's state as the service would keep
// it (deadlines counted from the calendar, dates of publication and expiry) only to choose moves
// the state machine allows; the writer then makes every move through the blacklist service.

/** The blacklist settings the service counts with (from the configuration, as the service reads them). */
export interface BlacklistSettings {
  objectionWorkingDays: number;
  repairMinMonths: number;
}

/** Who makes a move: a demo user (by name) in a role, or the expiry job. */
export interface Mover {
  type: 'user' | 'system';
  name: string;
  role: MoveRole;
}

export const EXPIRY_JOB: Mover = { type: 'system', name: 'blacklist-expiry', role: 'system' };

export interface PlannedFiling {
  statement: string;
  evidence: string | null;
  filedBy: string;
  filedRole: 'enterprise' | 'regulator';
  filedAt: Date;
  outcome: Outcome | null;
  note: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
}

export interface PlannedTransition {
  action: Action | 'propose';
  from: Status | null;
  to: Status;
  outcome: Outcome | null;
  mover: Mover;
  at: Date;
  note: string | null;
  /** the kind of document the move rests on; numbered in date order once all are planned */
  document: string | null;
  documentRef: string | null;
  objection: PlannedFiling | null;
  repair: PlannedFiling | null;
}

export interface PlannedEntry {
  uscc: string;
  districtCode: string;
  reasonCode: ReasonCode;
  legalBasis: string;
  facts: string;
  periodMonths: number;
  departmentCode: string;
  status: Status;
  proposedBy: string;
  proposedAt: Date;
  noticedAt: Date | null;
  objectionDeadline: Date | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  publishedAt: Date | null;
  earliestRepairDate: string | null;
  expiresAt: Date | null;
  removedAt: Date | null;
  removalReason: RemovalReason | null;
  objections: PlannedFiling[];
  repairs: PlannedFiling[];
  transitions: PlannedTransition[];
}

type EntryChanges = Partial<
  Pick<
    PlannedEntry,
    | 'noticedAt'
    | 'objectionDeadline'
    | 'decidedBy'
    | 'decidedAt'
    | 'publishedAt'
    | 'earliestRepairDate'
    | 'expiresAt'
    | 'removedAt'
  >
>;

export interface MoveInput {
  outcome?: Outcome;
  note?: string;
  document?: string;
}

/**
 * One entry's history, planned move by move: each move is put to the state machine with the
 * context the service will have at that moment (and refused loudly if it would be refused),
 * then noted as a transition for the writer to make.
 */
export class EntryScript {
  private last: Date;

  constructor(
    readonly entry: PlannedEntry,
    private readonly settings: BlacklistSettings,
    private readonly exceptions: CalendarExceptions,
    private readonly end: Date,
    document: string,
  ) {
    this.last = entry.proposedAt;
    this.check(entry.proposedAt);
    this.trail(
      'propose',
      null,
      'proposed',
      { type: 'user', name: entry.proposedBy, role: 'regulator' },
      entry.proposedAt,
      {
        document,
      },
    );
  }

  notice(by: Mover, at: Date, input: MoveInput = {}): void {
    this.move('notice', by, at, input, () => ({
      changes: {
        noticedAt: at,
        objectionDeadline: objectionDeadline(at, this.settings.objectionWorkingDays, this.exceptions),
      },
    }));
  }

  object(by: Mover, at: Date, statement: string): PlannedFiling {
    const filing = this.filing(by, at, statement, null);
    this.move('object', by, at, {}, () => {
      this.entry.objections.push(filing);
      return { objection: filing };
    });
    return filing;
  }

  decideObjection(by: Mover, at: Date, objection: PlannedFiling, input: MoveInput & { outcome: Outcome }): void {
    this.move('decideObjection', by, at, input, () => {
      this.settle(objection, by, at, input);
      return {
        objection,
        changes: input.outcome === 'upheld' ? { decidedBy: by.name, decidedAt: at } : {},
      };
    });
  }

  decide(by: Mover, at: Date, input: MoveInput & { outcome: Outcome }): void {
    this.move('decide', by, at, input, () => ({ changes: { decidedBy: by.name, decidedAt: at } }));
  }

  publish(by: Mover, at: Date, input: MoveInput = {}): void {
    this.move('publish', by, at, input, () => ({
      changes: {
        publishedAt: at,
        earliestRepairDate: earliestRepairDate(at, this.settings.repairMinMonths),
        expiresAt: listingExpiry(at, this.entry.periodMonths),
      },
    }));
  }

  applyRepair(by: Mover, at: Date, statement: string, evidence: string): PlannedFiling {
    const filing = this.filing(by, at, statement, evidence);
    this.move('applyRepair', by, at, {}, () => {
      this.entry.repairs.push(filing);
      return { repair: filing };
    });
    return filing;
  }

  decideRepair(by: Mover, at: Date, repair: PlannedFiling, input: MoveInput & { outcome: Outcome }): void {
    this.move('decideRepair', by, at, input, () => {
      this.settle(repair, by, at, input);
      return { repair };
    });
  }

  revoke(by: Mover, at: Date, input: MoveInput): void {
    this.move('revoke', by, at, input, () => ({}));
  }

  withdraw(by: Mover, at: Date, input: MoveInput): void {
    this.move('withdraw', by, at, input, () => ({}));
  }

  /** The daily expiry pass (00:05 Beijing time) after the listing ended; removed as of `expiresAt`. */
  expire(): void {
    const expiresAt = this.entry.expiresAt;
    if (!expiresAt) throw new Error('seed:demo: expire before publication');
    const at = new Date(expiresAt.getTime() + 5 * 60_000);
    this.move('expire', EXPIRY_JOB, at, { note: 'listing period ended' }, () => ({
      changes: { removedAt: expiresAt },
    }));
  }

  private filing(by: Mover, at: Date, statement: string, evidence: string | null): PlannedFiling {
    return {
      statement,
      evidence,
      filedBy: by.name,
      filedRole: by.role as 'enterprise' | 'regulator',
      filedAt: at,
      outcome: null,
      note: null,
      decidedBy: null,
      decidedAt: null,
    };
  }

  private settle(filing: PlannedFiling, by: Mover, at: Date, input: MoveInput & { outcome: Outcome }): void {
    if (filing.outcome) throw new Error('seed:demo: a filing decided twice');
    Object.assign(filing, { outcome: input.outcome, note: input.note ?? null, decidedBy: by.name, decidedAt: at });
  }

  private check(at: Date): void {
    if (at.getTime() >= this.end.getTime()) {
      throw new Error(
        `seed:demo: a blacklist move on ${this.entry.uscc} falls after the as-of date (${at.toISOString()})`,
      );
    }
  }

  private move(
    action: Action,
    by: Mover,
    wanted: Date,
    input: MoveInput,
    work: () => { changes?: EntryChanges; objection?: PlannedFiling; repair?: PlannedFiling },
  ): void {
    const e = this.entry;
    // Two moves planned for one day follow each other by a little while.
    const at = wanted.getTime() > this.last.getTime() ? wanted : new Date(this.last.getTime() + 47 * 60_000);
    this.check(at);
    const verdict = decideMove(e.status, action, {
      role: by.role,
      isProposer: by.type === 'user' && by.name === e.proposedBy,
      now: at,
      today: beijingDate(at),
      objectionDeadline: e.objectionDeadline,
      pendingObjections: e.objections.filter((o) => !o.outcome).length,
      earliestRepairDate: e.earliestRepairDate,
      expiresAt: e.expiresAt,
      pendingRepairApplications: e.repairs.filter((a) => !a.outcome).length,
      outcome: input.outcome,
    });
    if (!verdict.ok) {
      throw new Error(`seed:demo: ${action} on the entry for ${e.uscc} would be refused: ${verdict.refusal.detail}`);
    }
    const effect = work();
    const from = e.status;
    e.status = verdict.to;
    if (verdict.removalReason) Object.assign(e, { removalReason: verdict.removalReason, removedAt: at });
    Object.assign(e, effect.changes ?? {});
    this.trail(action, from, verdict.to, by, at, input, effect.objection, effect.repair);
    this.last = at;
  }

  private trail(
    action: Action | 'propose',
    from: Status | null,
    to: Status,
    mover: Mover,
    at: Date,
    input: MoveInput,
    objection?: PlannedFiling,
    repair?: PlannedFiling,
  ): void {
    this.entry.transitions.push({
      action,
      from,
      to,
      outcome: input.outcome ?? null,
      mover,
      at,
      note: input.note ?? null,
      document: input.document ?? null,
      documentRef: null,
      objection: objection ?? null,
      repair: repair ?? null,
    });
  }
}
