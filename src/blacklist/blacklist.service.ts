import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { systemActor } from '../access/actor';
import { Caller, systemCaller } from '../access/caller';
import { AuditService } from '../audit/audit.service';
import { beijingDate, Clock } from '../common/clock';
import { Page, pageOf } from '../common/pagination';
import { Problem } from '../common/problem';
import { normaliseUscc } from '../common/uscc';
import { AppConfig } from '../config/app-config';
import { RecomputeRequests } from '../jobs/recompute-requests';
import { EnterprisesRepository } from '../registry/enterprises.repository';
import { EnterprisesService } from '../registry/enterprises.service';
import { ChangeEvent, OutboxRepository } from '../outbox/outbox.repository';
import { Action, decide, MoveRole, Outcome, Refusal, Status } from './blacklist-states';
import { earliestRepairDate, listingExpiry, objectionDeadline } from '../common/calendar-days';
import {
  BlacklistRepository,
  EntryChanges,
  EntryFilter,
  EntryRow,
  FilingKind,
  toSummary,
} from './blacklist.repository';
import { CalendarRepository } from './calendar.repository';
import type { ReadStream } from 'node:fs';
import { EvidenceStore, StagedFile } from './evidence/evidence-store';
import { EvidenceRepository, EvidenceRow } from './evidence/evidence.repository';
import { REPAIR_COMMITMENT, REPAIR_COMMITMENT_SHA256 } from './repair-commitment';
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
  RepairApplicationDto,
  RepairDecisionDto,
  RepairApplicationViewDto,
} from './dto/blacklist.dto';

const SYSTEM = systemCaller(systemActor('blacklist-expiry'));

/** Columns a move may set besides the status. */
type MoveChanges = Omit<EntryChanges, 'status' | 'removal_reason'>;

interface MoveInput {
  outcome?: Outcome;
  note?: string | null;
  documentRef?: string | null;
}

/** What a move's own work adds: columns to set, the objection or application it concerns, a result. */
interface MoveEffect<T> {
  changes?: MoveChanges;
  objectionId?: string;
  repairApplicationId?: string;
  result?: T;
}

function refusalProblem(refusal: Refusal, status: Status): Problem {
  const text = { en: refusal.detail, zh: refusal.detailZh };
  if (refusal.kind === 'forbidden') return Problem.forbidden(text);
  if (refusal.kind === 'state') return Problem.conflict('illegal-transition', text, { state: status });
  return Problem.conflict(refusal.code, text, { state: status });
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
  throw Problem.forbidden({ en: 'The blacklist is for signed-in users', zh: '黑名单仅供已登录的用户' });
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
    private readonly entries: BlacklistRepository,
    private readonly enterprises: EnterprisesService,
    private readonly register: EnterprisesRepository,
    private readonly calendar: CalendarRepository,
    private readonly audit: AuditService,
    private readonly events: OutboxRepository,
    private readonly recompute: RecomputeRequests,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly evidence: EvidenceRepository,
    private readonly evidenceFiles: EvidenceStore,
  ) {}

  /** A regulator proposes a listing for an enterprise in their district (any district when city-wide). */
  async propose(dto: CreateBlacklistEntryDto, caller: Caller, departmentCode: string): Promise<BlacklistEntryDto> {
    const enterprise = await this.enterprises.resolve(dto.uscc, caller.jurisdiction);
    const now = this.clock.now();
    return this.audit.change(caller.actor, async (manager) => {
      const id = await this.entries.insert(manager, {
        enterpriseId: enterprise.id,
        districtCode: enterprise.districtCode,
        reasonCode: dto.reasonCode,
        legalBasis: dto.legalBasis,
        facts: dto.facts,
        periodMonths: dto.periodMonths ?? this.config.LISTING_PERIOD_MONTHS,
        departmentCode,
        proposedBy: caller.userId!,
        proposedAt: now,
      });
      await this.trail(manager, id, 'propose', null, 'proposed', caller, now, {
        documentRef: dto.documentRef,
      });
      const after = await this.load(id, manager);
      return {
        result: after,
        entry: { action: 'blacklist.propose', entityType: 'blacklist_entry', entityId: id, after },
      };
    });
  }

  async list(query: ListBlacklistQuery, caller: Caller): Promise<Page<BlacklistEntrySummaryDto>> {
    const filter: EntryFilter = {
      status: query.status,
      districtCode: query.districtCode,
      reasonCode: query.reasonCode,
      jurisdiction: caller.jurisdiction,
    };
    if (query.uscc) {
      // An unregistered code has no entries.
      const enterpriseId = await this.register.idOf(normaliseUscc(query.uscc));
      if (enterpriseId === null) return pageOf([], 0, query);
      filter.enterpriseId = enterpriseId;
    }
    return this.page(filter, query);
  }

  /** An enterprise's entries; the enterprise itself sees them once it has been given notice. */
  async listForEnterprise(
    uscc: string,
    query: EnterpriseBlacklistQuery,
    caller: Caller,
  ): Promise<Page<BlacklistEntrySummaryDto>> {
    const enterprise = await this.enterprises.resolve(uscc, caller.jurisdiction);
    return this.page({ enterpriseId: enterprise.id, noticedOnly: caller.role === 'enterprise' }, query);
  }

  async findOne(id: string, caller: Caller): Promise<BlacklistEntryDto> {
    return this.entries.view(await this.row(parseId(id), caller));
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

  /**
   * Files an objection; `files` (received by EvidenceStore) get their rows in the same
   * transaction, and are kept once it commits (removed if it fails).
   */
  async object(id: string, dto: ObjectionDto, caller: Caller, files: StagedFile[] = []): Promise<ObjectionViewDto> {
    return this.evidenceFiles.filed(files, () => this.fileObjection(id, dto, caller, files));
  }

  private async fileObjection(
    id: string,
    dto: ObjectionDto,
    caller: Caller,
    files: StagedFile[],
  ): Promise<ObjectionViewDto> {
    const { result } = await this.move(id, 'object', caller, {}, async (manager, row, now) => {
      const objectionId = await this.entries.insertObjection(manager, this.filing(row, dto, caller, now));
      await this.evidence.insert(manager, { entryId: row.id, objectionId }, files, this.uploader(caller, now));
      const objections = await this.entries.objections(manager, row.id);
      return { objectionId, result: objections.find((o) => o.id === objectionId) };
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
      await this.settle(manager, 'objection', objectionId, row.id, dto, caller, now);
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

  /**
   * Applies for credit repair; `files` as for an objection. `acceptedCommitment`: the applicant
   * accepted the 信用修复承诺书 (the portal asks for it), recorded with its version and SHA-256.
   */
  async applyRepair(
    id: string,
    dto: RepairApplicationDto,
    caller: Caller,
    options: { files?: StagedFile[]; acceptedCommitment?: boolean } = {},
  ): Promise<RepairApplicationViewDto> {
    const files = options.files ?? [];
    return this.evidenceFiles.filed(files, () => this.fileRepair(id, dto, caller, files, !!options.acceptedCommitment));
  }

  private async fileRepair(
    id: string,
    dto: RepairApplicationDto,
    caller: Caller,
    files: StagedFile[],
    acceptedCommitment: boolean,
  ): Promise<RepairApplicationViewDto> {
    const { result } = await this.move(id, 'applyRepair', caller, {}, async (manager, row, now) => {
      const commitment = acceptedCommitment
        ? { version: REPAIR_COMMITMENT.version, sha256: REPAIR_COMMITMENT_SHA256, acceptedAt: now }
        : null;
      const applicationId = await this.entries.insertRepairApplication(manager, {
        ...this.filing(row, dto, caller, now),
        commitment,
      });
      await this.evidence.insert(
        manager,
        { entryId: row.id, repairApplicationId: applicationId },
        files,
        this.uploader(caller, now),
      );
      const applications = await this.entries.repairApplications(manager, row.id);
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
      await this.settle(manager, 'repair', applicationId, row.id, dto, caller, now);
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
    const due = await this.entries.dueForExpiry(this.clock.now());
    let removed = 0;
    for (const id of due) {
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
    if (caller.role === 'admin')
      throw Problem.forbidden({ en: 'An administrator reads the blacklist only', zh: '管理员只能查看黑名单' });
    const role = moveRole(caller);
    let regrade: string | null = null;
    const outcome = await this.audit.change(caller.actor, async (manager) => {
      const row = await this.row(id, caller, manager);
      const now = this.clock.now();
      const counts = await this.entries.pending(manager, id);
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
      await this.entries.update(manager, id, { status: verdict.to, ...removal, ...effect.changes });
      await this.trail(manager, id, action, row.status, verdict.to, caller, now, {
        ...input,
        objectionId: effect.objectionId,
        repairApplicationId: effect.repairApplicationId,
      });
      const after = await this.load(id, manager);
      const event = this.changeEvent(row.status, after);
      if (event) {
        // Stamped with the move's own time, as its transition is.
        await this.events.append(manager, { ...event, occurredAt: now });
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
   * official's district. Given a transaction's manager, it takes the row lock that serialises
   * moves on one entry.
   */
  private async row(id: string, caller: Caller, manager?: EntityManager): Promise<EntryRow> {
    const row = await this.entries.entry(id, manager, manager !== undefined);
    const hidden = !row || (caller.role === 'enterprise' && (row.uscc !== caller.uscc || row.noticed_at === null));
    if (hidden) throw Problem.notFound('Blacklist entry', id);
    if (caller.jurisdiction && row.district_code !== caller.jurisdiction) {
      throw Problem.forbidden({
        en: `You act for district ${caller.jurisdiction} only; this entry is in ${row.district_code}`,
        zh: `您仅负责区县 ${caller.jurisdiction}，该条目属于 ${row.district_code}`,
      });
    }
    return row;
  }

  private async load(id: string, manager: EntityManager): Promise<BlacklistEntryDto> {
    return this.entries.view((await this.entries.entry(id, manager))!, manager);
  }

  private async page(filter: EntryFilter, query: EnterpriseBlacklistQuery): Promise<Page<BlacklistEntrySummaryDto>> {
    const { rows, total } = await this.entries.page(filter, query.offset, query.pageSize);
    return pageOf(rows.map(toSummary), total, query);
  }

  /**
   * An evidence file of an entry, for a caller who may see the entry (an enterprise its own,
   * noticed; a district-level official their district's): its row and its bytes. 404 when the
   * entry has no such file, or its bytes are missing.
   */
  async evidenceFile(
    entryId: string,
    fileId: string,
    caller: Caller,
  ): Promise<{ file: EvidenceRow; body: ReadStream }> {
    const row = await this.row(parseId(entryId), caller);
    const file = await this.evidence.find(row.id, fileId);
    const body = file ? await this.evidenceFiles.open(file.id) : null;
    if (!file || !body) throw Problem.notFound('Evidence file', fileId);
    return { file, body };
  }

  private uploader(caller: Caller, at: Date) {
    return { name: caller.actor.name!, role: caller.role!, at };
  }

  /** An objection or repair application as the caller files it on the entry. */
  private filing(row: EntryRow, dto: { statement: string; evidence?: string }, caller: Caller, now: Date) {
    return {
      entryId: row.id,
      statement: dto.statement,
      evidence: dto.evidence ?? null,
      filedBy: caller.actor.name!,
      filedRole: caller.role!,
      filedAt: now,
    };
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
    await this.entries.insertTransition(manager, {
      entryId,
      action,
      from,
      to,
      outcome: input.outcome ?? null,
      actorType: caller.actor.type,
      actorId: caller.actor.id,
      actorName: caller.actor.name,
      actorRole: caller.role!,
      at,
      note: input.note ?? null,
      documentRef: input.documentRef ?? null,
      objectionId: input.objectionId ?? null,
      repairApplicationId: input.repairApplicationId ?? null,
    });
  }

  /**
   * Records the decision on a pending objection or repair application of this entry: 404 when
   * the entry has none with this id, 409 when it was decided already.
   */
  private async settle(
    manager: EntityManager,
    kind: FilingKind,
    id: string,
    entryId: string,
    decision: { outcome: Outcome; note: string },
    caller: Caller,
    now: Date,
  ): Promise<void> {
    const what = kind === 'objection' ? 'Objection' : 'Repair application';
    const whatZh = kind === 'objection' ? '陈述申辩' : '信用修复申请';
    const outcomeZh: Record<Outcome, string> = {
      approved: '同意列入',
      rejected: '不予列入',
      upheld: '异议成立',
      dismissed: '异议不成立',
      granted: '准予修复',
      refused: '不予修复',
    };
    const settled = await this.entries.settle(manager, kind, id, entryId, {
      outcome: decision.outcome,
      note: decision.note,
      decidedBy: caller.actor.name,
      at: now,
    });
    if (settled.settled) return;
    if (settled.outcome === undefined) throw Problem.notFound(what, id);
    throw Problem.conflict('already-decided', {
      en: `${what} ${id} was already decided: ${settled.outcome}`,
      zh: `${whatZh} ${id} 已经决定：${settled.outcome ? outcomeZh[settled.outcome] : '—'}`,
    });
  }
}
