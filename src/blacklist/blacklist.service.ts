import { SqlFilter } from '../database/sql-filter';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { systemActor } from '../access/actor';
import { Caller, systemCaller } from '../access/caller';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { Page, pageOf } from '../common/pagination';
import { Problem } from '../common/problem';
import { normaliseUscc } from '../common/uscc';
import { AppConfig } from '../config/app-config';
import { RecomputeRequests } from '../jobs/recompute-requests';
import { EnterprisesService } from '../registry/enterprises.service';
import { ChangeEvent, OutboxRepository } from '../outbox/outbox.repository';
import { Action, decide, MoveRole, Outcome, Refusal, RemovalReason, Status } from './blacklist-states';
import { beijingDate } from '../common/clock';
import { earliestRepairDate, listingExpiry, objectionDeadline } from '../common/calendar-days';
import { CalendarService } from './calendar.service';
import {
  BlacklistEntryDto,
  BlacklistEntrySummaryDto,
  CreateBlacklistEntryDto,
  DecisionDto,
  EnterpriseBlacklistQuery,
  ListBlacklistQuery,
  MoveDto,
  ObjectionDecisionDto,
  ObjectionDto,
  ObjectionViewDto,
  ReasonCode,
  ReasonDto,
  RepairApplicationDto,
  RepairDecisionDto,
  RepairApplicationViewDto,
  TransitionDto,
} from './dto/blacklist.dto';

const SYSTEM = systemCaller(systemActor('blacklist-expiry'));

interface EntryRow {
  id: string;
  enterprise_id: string;
  uscc: string;
  enterprise_name: string;
  district_code: string;
  reason_code: ReasonCode;
  reason_zh: string;
  reason_en: string;
  legal_basis: string;
  facts: string;
  period_months: number;
  status: Status;
  department_code: string;
  proposed_by: string;
  proposer: string | null;
  proposed_at: Date;
  noticed_at: Date | null;
  objection_deadline: Date | null;
  decided_at: Date | null;
  published_at: Date | null;
  earliest_repair_date: string | null;
  expires_at: Date | null;
  removed_at: Date | null;
  removal_reason: RemovalReason | null;
}

const ENTRY_SELECT = `
  SELECT b.id::text, b.enterprise_id::text, e.uscc, e.name AS enterprise_name, b.district_code, b.reason_code,
         r.name_zh AS reason_zh, r.name_en AS reason_en, b.legal_basis, b.facts, b.period_months, b.status,
         b.department_code, b.proposed_by::text, u.username AS proposer, b.proposed_at, b.noticed_at,
         b.objection_deadline, b.decided_at, b.published_at,
         to_char(b.earliest_repair_date, 'YYYY-MM-DD') AS earliest_repair_date, b.expires_at, b.removed_at,
         b.removal_reason
    FROM blacklist_entries b
    JOIN enterprises e ON e.id = b.enterprise_id
    JOIN blacklist_reasons r ON r.code = b.reason_code
    LEFT JOIN users u ON u.id = b.proposed_by`;

function toSummary(r: EntryRow): BlacklistEntrySummaryDto {
  return {
    id: r.id,
    uscc: r.uscc,
    enterpriseName: r.enterprise_name,
    districtCode: r.district_code,
    reasonCode: r.reason_code,
    status: r.status,
    periodMonths: r.period_months,
    departmentCode: r.department_code,
    proposedAt: r.proposed_at,
    objectionDeadline: r.objection_deadline,
    publishedAt: r.published_at,
    earliestRepairDate: r.earliest_repair_date,
    expiresAt: r.expires_at,
    removedAt: r.removed_at,
    removalReason: r.removal_reason,
  };
}

/** Columns a move may set besides the status. */
interface EntryChanges {
  noticed_at?: Date;
  objection_deadline?: Date;
  decided_by?: string | null;
  decided_at?: Date;
  published_at?: Date;
  earliest_repair_date?: string;
  expires_at?: Date;
  removed_at?: Date;
}

interface MoveInput {
  outcome?: Outcome;
  note?: string | null;
  documentRef?: string | null;
}

/** What a move's own work adds: columns to set, the objection or application it concerns, a result. */
interface MoveEffect<T> {
  changes?: EntryChanges;
  objectionId?: string;
  repairApplicationId?: string;
  result?: T;
}

function refusalProblem(refusal: Refusal, status: Status): Problem {
  if (refusal.kind === 'forbidden') return Problem.forbidden(refusal.detail);
  if (refusal.kind === 'state') return Problem.conflict('illegal-transition', refusal.detail, { state: status });
  return Problem.conflict(refusal.code, refusal.detail, { state: status });
}

/** The blacklist's own name for the caller's role: only signed-in users and the system move entries. */
function moveRole(caller: Caller): MoveRole {
  if (
    caller.role === 'regulator' ||
    caller.role === 'reviewer' ||
    caller.role === 'enterprise' ||
    caller.role === 'system'
  )
    return caller.role;
  throw Problem.forbidden('The blacklist is for signed-in users');
}

function parseId(id: string, field = 'id'): string {
  if (!/^\d{1,18}$/.test(id)) throw Problem.validation([{ field, message: 'must be a number' }]);
  return id;
}

/**
 * The product-quality blacklist's due process. Every move locks its entry's row, asks the pure
 * state machine (`blacklist-states.ts`) whether it may be made, stores the new state with a
 * transition record and an audit entry in one transaction, and, for a publication or a
 * removal, the outbox event; the enterprise's regrading is requested once that has committed.
 */
@Injectable()
export class BlacklistService {
  private readonly logger = new Logger(BlacklistService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly enterprises: EnterprisesService,
    private readonly calendar: CalendarService,
    private readonly audit: AuditService,
    private readonly events: OutboxRepository,
    private readonly recompute: RecomputeRequests,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async reasons(): Promise<ReasonDto[]> {
    return this.dataSource.query(
      `SELECT code, name_zh AS "nameZh", name_en AS "nameEn" FROM blacklist_reasons ORDER BY code`,
    );
  }

  /** A regulator proposes a listing for an enterprise in their district (any district when city-wide). */
  async propose(dto: CreateBlacklistEntryDto, caller: Caller, departmentCode: string): Promise<BlacklistEntryDto> {
    const enterprise = await this.enterprises.resolve(dto.uscc, caller.jurisdiction);
    const now = this.clock.now();
    return this.audit.change(caller.actor, async (manager) => {
      const [{ id }] = await manager.query(
        `INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
                                        status, department_code, proposed_by, proposed_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7, $8, $9) RETURNING id::text`,
        [
          enterprise.id,
          enterprise.districtCode,
          dto.reasonCode,
          dto.legalBasis,
          dto.facts,
          dto.periodMonths ?? this.config.LISTING_PERIOD_MONTHS,
          departmentCode,
          caller.userId,
          now,
        ],
      );
      await this.trail(manager, id, 'propose', null, 'proposed', caller, now, {
        documentRef: dto.documentRef,
      });
      const after = await this.load(manager, id);
      return {
        result: after,
        entry: { action: 'blacklist.propose', entityType: 'blacklist_entry', entityId: id, after },
      };
    });
  }

  async list(query: ListBlacklistQuery, caller: Caller): Promise<Page<BlacklistEntrySummaryDto>> {
    const f = new SqlFilter();
    if (query.status) f.add('b.status = ?', query.status);
    if (query.uscc) f.add('e.uscc = ?', normaliseUscc(query.uscc));
    if (query.districtCode) f.add('b.district_code = ?', query.districtCode);
    if (caller.jurisdiction) f.add('b.district_code = ?', caller.jurisdiction);
    return this.page(f, query);
  }

  /** An enterprise's entries; the enterprise itself sees them once it has been given notice. */
  async listForEnterprise(
    uscc: string,
    query: EnterpriseBlacklistQuery,
    caller: Caller,
  ): Promise<Page<BlacklistEntrySummaryDto>> {
    const enterprise = await this.enterprises.resolve(uscc, caller.jurisdiction);
    const f = new SqlFilter().add('b.enterprise_id = ?', enterprise.id);
    if (caller.role === 'enterprise') f.add('b.noticed_at IS NOT NULL');
    return this.page(f, query);
  }

  async findOne(id: string, caller: Caller): Promise<BlacklistEntryDto> {
    const row = await this.row(this.dataSource.manager, parseId(id), caller, false);
    return this.withDetails(this.dataSource.manager, row);
  }

  notice(id: string, dto: MoveDto, caller: Caller): Promise<BlacklistEntryDto> {
    return this.move(id, 'notice', caller, dto, async (manager, _row, now) => {
      const exceptions = await this.calendar.exceptionsAfter(beijingDate(now), manager);
      return {
        changes: {
          noticed_at: now,
          objection_deadline: objectionDeadline(now, this.config.OBJECTION_WORKING_DAYS, exceptions),
        },
      };
    }).then((r) => r.entry);
  }

  async object(id: string, dto: ObjectionDto, caller: Caller): Promise<ObjectionViewDto> {
    const { result } = await this.move(id, 'object', caller, {}, async (manager, row, now) => {
      const [{ id: objectionId }] = await manager.query(
        `INSERT INTO blacklist_objections (entry_id, statement, filed_by, filed_role, filed_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
        [row.id, dto.statement, caller.actor.name, caller.role, now],
      );
      return { objectionId, result: (await this.objections(manager, row.id)).find((o) => o.id === objectionId) };
    });
    return result!;
  }

  async decideObjection(
    id: string,
    objectionId: string,
    dto: ObjectionDecisionDto,
    caller: Caller,
  ): Promise<BlacklistEntryDto> {
    parseId(objectionId, 'objectionId');
    const { entry } = await this.move(id, 'decideObjection', caller, dto, async (manager, row, now) => {
      await this.settle(manager, 'blacklist_objections', objectionId, row.id, dto, caller, now);
      return {
        objectionId,
        changes: dto.outcome === 'upheld' ? { decided_by: caller.userId, decided_at: now } : {},
      };
    });
    return entry;
  }

  async decideProposal(id: string, dto: DecisionDto, caller: Caller): Promise<BlacklistEntryDto> {
    const { entry } = await this.move(id, 'decide', caller, dto, async (_manager, _row, now) => ({
      changes: { decided_by: caller.userId, decided_at: now },
    }));
    return entry;
  }

  async publish(id: string, dto: MoveDto, caller: Caller): Promise<BlacklistEntryDto> {
    const { entry } = await this.move(id, 'publish', caller, dto, async (_manager, row, now) => ({
      changes: {
        published_at: now,
        earliest_repair_date: earliestRepairDate(now, this.config.REPAIR_MIN_MONTHS),
        expires_at: listingExpiry(now, row.period_months),
      },
    }));
    return entry;
  }

  async applyRepair(id: string, dto: RepairApplicationDto, caller: Caller): Promise<RepairApplicationViewDto> {
    const { result } = await this.move(id, 'applyRepair', caller, {}, async (manager, row, now) => {
      const [{ id: applicationId }] = await manager.query(
        `INSERT INTO blacklist_repair_applications (entry_id, statement, evidence, filed_by, filed_role, filed_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text`,
        [row.id, dto.statement, dto.evidence ?? null, caller.actor.name, caller.role, now],
      );
      const applications = await this.repairApplications(manager, row.id);
      return { repairApplicationId: applicationId, result: applications.find((a) => a.id === applicationId) };
    });
    return result!;
  }

  async decideRepair(
    id: string,
    applicationId: string,
    dto: RepairDecisionDto,
    caller: Caller,
  ): Promise<BlacklistEntryDto> {
    parseId(applicationId, 'applicationId');
    const { entry } = await this.move(id, 'decideRepair', caller, dto, async (manager, row, now) => {
      await this.settle(manager, 'blacklist_repair_applications', applicationId, row.id, dto, caller, now);
      return { repairApplicationId: applicationId };
    });
    return entry;
  }

  async revoke(id: string, dto: MoveDto, caller: Caller): Promise<BlacklistEntryDto> {
    const { entry } = await this.move(id, 'revoke', caller, dto, async () => ({}));
    return entry;
  }

  async withdraw(id: string, dto: MoveDto, caller: Caller): Promise<BlacklistEntryDto> {
    const { entry } = await this.move(id, 'withdraw', caller, dto, async () => ({}));
    return entry;
  }

  /**
   * Removes every published entry whose listing period has ended by now, as expired. Safe to
   * run any number of times and after any downtime: it finds what is due as of the clock, and an
   * entry's `removedAt` is its `expiresAt`, however late the pass runs. Expiries are few (a
   * handful a day), so each goes through the same locked, checked move as any other, in its own
   * transaction; one moved meanwhile (revoked, say) is refused by the state machine and skipped.
   */
  async expireDue(): Promise<{ removed: number }> {
    const due: { id: string }[] = await this.dataSource.query(
      `SELECT b.id::text FROM blacklist_entries b WHERE b.status = 'published' AND b.expires_at <= $1 ORDER BY b.expires_at, b.id`,
      [this.clock.now()],
    );
    let removed = 0;
    for (const { id } of due) {
      try {
        await this.move(id, 'expire', SYSTEM, { note: 'listing period ended' }, async (_manager, row) => ({
          changes: { removed_at: row.expires_at! },
        }));
        removed++;
      } catch (error) {
        if (!(error instanceof Problem) || error.status !== 409) throw error;
        this.logger.log(`entry ${id} was not expired: ${error.detail}`);
      }
    }
    return { removed };
  }

  /**
   * One move on one entry, under its row lock: checks who may see and act on it, asks the state
   * machine, runs the move's own work, stores the new state, its transition, the audit entry and
   * any outbox event in one transaction, then asks for the enterprise to be regraded.
   */
  private async move<T>(
    id: string,
    action: Action,
    caller: Caller,
    input: MoveInput,
    work: (manager: EntityManager, row: EntryRow, now: Date) => Promise<MoveEffect<T>>,
  ): Promise<{ entry: BlacklistEntryDto; result?: T }> {
    parseId(id);
    if (caller.role === 'admin') throw Problem.forbidden('An administrator reads the blacklist only');
    const role = moveRole(caller);
    let regrade: string | null = null;
    const outcome = await this.audit.change(caller.actor, async (manager) => {
      const row = await this.row(manager, id, caller, true);
      const now = this.clock.now();
      const [counts] = await manager.query(
        `SELECT (SELECT count(*)::int FROM blacklist_objections WHERE entry_id = $1 AND outcome IS NULL) AS objections,
                (SELECT count(*)::int FROM blacklist_repair_applications WHERE entry_id = $1 AND outcome IS NULL) AS repairs`,
        [id],
      );
      const verdict = decide(row.status, action, {
        role,
        isProposer: caller.userId !== null && caller.userId === row.proposed_by,
        now,
        today: beijingDate(now),
        objectionDeadline: row.objection_deadline,
        pendingObjections: counts.objections,
        earliestRepairDate: row.earliest_repair_date,
        expiresAt: row.expires_at,
        pendingRepairApplications: counts.repairs,
        outcome: input.outcome,
      });
      if (!verdict.ok) throw refusalProblem(verdict.refusal, row.status);
      const effect = await work(manager, row, now);
      const removal = verdict.removalReason ? { removal_reason: verdict.removalReason, removed_at: now } : {};
      const changes: Record<string, unknown> = { status: verdict.to, ...removal, ...effect.changes };
      const columns = Object.keys(changes);
      await manager.query(
        `UPDATE blacklist_entries SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`,
        [id, ...columns.map((c) => changes[c])],
      );
      await this.trail(manager, id, action, row.status, verdict.to, caller, now, {
        ...input,
        objectionId: effect.objectionId,
        repairApplicationId: effect.repairApplicationId,
      });
      const after = await this.load(manager, id);
      const event = this.changeEvent(row.status, after);
      if (event) {
        await this.events.append(manager, event);
        regrade = row.enterprise_id;
        await this.recompute.note(manager, [regrade]);
      }
      return {
        result: { entry: after, result: effect.result },
        entry: {
          action: `blacklist.${action}`,
          entityType: 'blacklist_entry',
          entityId: id,
          before: toSummary(row),
          after: { ...after, transitions: undefined },
        },
      };
    });
    if (regrade) await this.recompute.dispatch([regrade]);
    return outcome;
  }

  /** `blacklist.published` or `blacklist.removed` when the move published or removed the entry. */
  private changeEvent(from: Status, after: BlacklistEntryDto): ChangeEvent | null {
    const base = { entryId: after.id, reasonCode: after.reasonCode, districtCode: after.districtCode };
    if (from !== 'published' && after.status === 'published') {
      return {
        type: 'blacklist.published',
        uscc: after.uscc,
        data: { ...base, publishedAt: after.publishedAt, expiresAt: after.expiresAt, periodMonths: after.periodMonths },
      };
    }
    if (from !== 'removed' && after.status === 'removed') {
      return {
        type: 'blacklist.removed',
        uscc: after.uscc,
        data: {
          ...base,
          removalReason: after.removalReason,
          removedAt: after.removedAt,
          publishedAt: after.publishedAt,
        },
      };
    }
    return null;
  }

  /**
   * The entry, for this caller: 404 when it does not exist or is not theirs to see (an
   * enterprise sees its own entries from their notice on), 403 outside a district-level
   * official's district. `lock` takes the row lock that serialises moves on one entry.
   */
  private async row(manager: EntityManager, id: string, caller: Caller, lock: boolean): Promise<EntryRow> {
    const [row]: EntryRow[] = await manager.query(`${ENTRY_SELECT} WHERE b.id = $1${lock ? ' FOR UPDATE OF b' : ''}`, [
      id,
    ]);
    const hidden = !row || (caller.role === 'enterprise' && (row.uscc !== caller.uscc || row.noticed_at === null));
    if (hidden) throw Problem.notFound('Blacklist entry', id);
    if (caller.jurisdiction && row.district_code !== caller.jurisdiction) {
      throw Problem.forbidden(
        `You act for district ${caller.jurisdiction} only; this entry is in ${row.district_code}`,
      );
    }
    return row;
  }

  private async load(manager: EntityManager, id: string): Promise<BlacklistEntryDto> {
    const [row]: EntryRow[] = await manager.query(`${ENTRY_SELECT} WHERE b.id = $1`, [id]);
    return this.withDetails(manager, row);
  }

  private async withDetails(manager: EntityManager, row: EntryRow): Promise<BlacklistEntryDto> {
    const [objections, repairApplications, transitions] = [
      await this.objections(manager, row.id),
      await this.repairApplications(manager, row.id),
      await this.transitions(manager, row.id),
    ];
    return {
      ...toSummary(row),
      reason: { code: row.reason_code, nameZh: row.reason_zh, nameEn: row.reason_en },
      legalBasis: row.legal_basis,
      facts: row.facts,
      proposedBy: row.proposer,
      noticedAt: row.noticed_at,
      decidedAt: row.decided_at,
      objections,
      repairApplications,
      transitions,
    };
  }

  private async page(f: SqlFilter, query: EnterpriseBlacklistQuery) {
    const filter = f.clause('WHERE');
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM blacklist_entries b JOIN enterprises e ON e.id = b.enterprise_id${filter}`,
      f.params,
    );
    const rows: EntryRow[] = await this.dataSource.query(
      `${ENTRY_SELECT}${filter} ORDER BY b.id DESC OFFSET $${f.next} LIMIT $${f.next + 1}`,
      [...f.params, query.offset, query.pageSize],
    );
    return pageOf(rows.map(toSummary), total, query);
  }

  private async trail(
    manager: EntityManager,
    entryId: string,
    action: Action | 'propose',
    from: Status | null,
    to: Status,
    caller: Caller,
    at: Date,
    input: MoveInput & { objectionId?: string; repairApplicationId?: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO blacklist_transitions (entry_id, action, from_status, to_status, outcome, actor_type, actor_id,
                                          actor_name, actor_role, occurred_at, note, document_ref, objection_id,
                                          repair_application_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        entryId,
        action,
        from,
        to,
        input.outcome ?? null,
        caller.actor.type,
        caller.actor.id,
        caller.actor.name,
        caller.role,
        at,
        input.note ?? null,
        input.documentRef ?? null,
        input.objectionId ?? null,
        input.repairApplicationId ?? null,
      ],
    );
  }

  private async transitions(manager: EntityManager, entryId: string): Promise<TransitionDto[]> {
    const rows = await manager.query(
      `SELECT id::text, action, from_status, to_status, outcome, actor_name, actor_role, occurred_at, note,
              document_ref, objection_id::text, repair_application_id::text
         FROM blacklist_transitions t WHERE t.entry_id = $1 ORDER BY t.id`,
      [entryId],
    );
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id,
      action: r.action,
      from: r.from_status,
      to: r.to_status,
      outcome: r.outcome,
      actor: r.actor_name,
      role: r.actor_role,
      at: r.occurred_at,
      note: r.note,
      documentRef: r.document_ref,
      objectionId: r.objection_id,
      repairApplicationId: r.repair_application_id,
    }));
  }

  private objections(manager: EntityManager, entryId: string): Promise<ObjectionViewDto[]> {
    return manager.query(
      `SELECT id::text, entry_id::text AS "entryId", statement, filed_role AS "filedRole", filed_at AS "filedAt",
              outcome, note, decided_at AS "decidedAt"
         FROM blacklist_objections o WHERE o.entry_id = $1 ORDER BY o.id`,
      [entryId],
    );
  }

  private repairApplications(manager: EntityManager, entryId: string): Promise<RepairApplicationViewDto[]> {
    return manager.query(
      `SELECT id::text, entry_id::text AS "entryId", statement, evidence, filed_role AS "filedRole",
              filed_at AS "filedAt", outcome, note, decided_at AS "decidedAt"
         FROM blacklist_repair_applications a WHERE a.entry_id = $1 ORDER BY a.id`,
      [entryId],
    );
  }

  /**
   * Records the decision on a pending objection or repair application of this entry: 404 when
   * the entry has none with this id, 409 when it was decided already.
   */
  private async settle(
    manager: EntityManager,
    table: 'blacklist_objections' | 'blacklist_repair_applications',
    id: string,
    entryId: string,
    decision: { outcome: Outcome; note: string },
    caller: Caller,
    now: Date,
  ): Promise<void> {
    const what = table === 'blacklist_objections' ? 'Objection' : 'Repair application';
    // TypeORM answers an UPDATE with [rows, count].
    const [, settled] = await manager.query(
      `UPDATE ${table} SET outcome = $3, note = $4, decided_by = $5, decided_at = $6
        WHERE id = $1 AND entry_id = $2 AND outcome IS NULL`,
      [id, entryId, decision.outcome, decision.note, caller.actor.name, now],
    );
    if (settled === 1) return;
    const [found] = await manager.query(`SELECT outcome FROM ${table} WHERE id = $1 AND entry_id = $2`, [id, entryId]);
    if (!found) throw Problem.notFound(what, id);
    throw Problem.conflict('already-decided', `${what} ${id} was already decided: ${found.outcome}`);
  }
}
