import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../access/actor';
import { SqlFilter } from '../database/sql-filter';
import { UsersRepository } from '../identity/users.repository';
import { EnterprisesRepository } from '../registry/enterprises.repository';
import { Action, Outcome, RemovalReason, Status } from './blacklist-states';
import type { AcceptedCommitment } from './repair-commitment';
import { EvidenceRepository, EvidenceRow } from './evidence/evidence.repository';
import {
  BlacklistEntryDto,
  BlacklistEntrySummaryDto,
  ObjectionViewDto,
  ReasonCode,
  RepairApplicationViewDto,
  TransitionDto,
} from './dto/blacklist.dto';

/**
 * An entry as the service reasons about it: its own columns, its reason's labels, and the
 * enterprise's code and name and the proposer's username as the register and identity give them.
 */
export interface EntryRow {
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

type StoredEntryRow = Omit<EntryRow, 'uscc' | 'enterprise_name' | 'proposer'>;

const ENTRY_SELECT = `
  SELECT b.id::text, b.enterprise_id::text, b.district_code, b.reason_code,
         r.name_zh AS reason_zh, r.name_en AS reason_en, b.legal_basis, b.facts, b.period_months, b.status,
         b.department_code, b.proposed_by::text, b.proposed_at, b.noticed_at,
         b.objection_deadline, b.decided_at, b.published_at,
         to_char(b.earliest_repair_date, 'YYYY-MM-DD') AS earliest_repair_date, b.expires_at, b.removed_at,
         b.removal_reason
    FROM blacklist_entries b
    JOIN blacklist_reasons r ON r.code = b.reason_code`;

/** Columns a move may set: the status, and what the move records besides. */
export interface EntryChanges {
  status: Status;
  noticed_at?: Date;
  objection_deadline?: Date;
  decided_by?: string | null;
  decided_at?: Date;
  published_at?: Date;
  earliest_repair_date?: string;
  expires_at?: Date;
  removed_at?: Date;
  removal_reason?: RemovalReason;
}

/** A proposal as it is first stored. */
export interface NewEntry {
  enterpriseId: string;
  districtCode: string;
  reasonCode: ReasonCode;
  legalBasis: string;
  facts: string;
  periodMonths: number;
  departmentCode: string;
  proposedBy: string;
  proposedAt: Date;
}

/** One move in an entry's trail. */
export interface NewTransition {
  entryId: string;
  action: Action | 'propose';
  from: Status | null;
  to: Status;
  outcome: Outcome | null;
  actorType: Actor['type'];
  actorId: string | null;
  actorName: string | null;
  actorRole: string;
  at: Date;
  note: string | null;
  documentRef: string | null;
  objectionId: string | null;
  repairApplicationId: string | null;
}

/** An objection or a repair application as filed (`evidence` is the application's only). */
export interface NewFiling {
  entryId: string;
  statement: string;
  evidence?: string | null;
  /** The 信用修复承诺书 accepted (a repair application filed in the portal). */
  commitment?: AcceptedCommitment | null;
  filedBy: string;
  filedRole: string;
  filedAt: Date;
}

export type FilingKind = 'objection' | 'repair';

const FILING_TABLE: Record<FilingKind, string> = {
  objection: 'blacklist_objections',
  repair: 'blacklist_repair_applications',
};

/** Which entries a list shows; the conditions hold together. */
export interface EntryFilter {
  status?: Status;
  enterpriseId?: string;
  districtCode?: string;
  reasonCode?: ReasonCode;
  /** A district-level official's district. */
  jurisdiction?: string | null;
  /** Only entries the enterprise has been given notice of. */
  noticedOnly?: boolean;
}

export function toSummary(r: EntryRow): BlacklistEntrySummaryDto {
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

/** A filing's files as the API shows them (without the row's links). */
function filesOf(rows: EvidenceRow[], mine: (row: EvidenceRow) => boolean) {
  return rows.filter(mine).map(({ entryId: _e, objectionId: _o, repairApplicationId: _r, ...file }) => file);
}

function toTransitionDto(r: Record<string, unknown>): TransitionDto {
  return {
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
  } as TransitionDto;
}

/**
 * Blacklist entries with their trail of moves, objections and repair applications. Entries keep
 * the enterprise's id and the proposer's user id; the register and identity name them, a page's
 * worth in one call each.
 */
@Injectable()
export class BlacklistRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly enterprises: EnterprisesRepository,
    private readonly users: UsersRepository,
    private readonly evidence: EvidenceRepository,
  ) {}

  /** The entry, or undefined; `lock` takes the row lock that serialises moves on one entry. */
  async entry(id: string, manager: EntityManager = this.db.manager, lock = false): Promise<EntryRow | undefined> {
    const rows: StoredEntryRow[] = await manager.query(
      `${ENTRY_SELECT} WHERE b.id = $1${lock ? ' FOR UPDATE OF b' : ''}`,
      [id],
    );
    const [row] = await this.named(manager, rows);
    return row;
  }

  /** A page of entries, newest first, with the number matching over all pages. */
  async page(filter: EntryFilter, offset: number, limit: number): Promise<{ rows: EntryRow[]; total: number }> {
    const f = new SqlFilter();
    if (filter.status) f.add('b.status = ?', filter.status);
    if (filter.enterpriseId) f.add('b.enterprise_id = ?', filter.enterpriseId);
    if (filter.districtCode) f.add('b.district_code = ?', filter.districtCode);
    if (filter.reasonCode) f.add('b.reason_code = ?', filter.reasonCode);
    if (filter.jurisdiction) f.add('b.district_code = ?', filter.jurisdiction);
    if (filter.noticedOnly) f.add('b.noticed_at IS NOT NULL');
    const where = f.clause('WHERE');
    const [{ total }] = await this.db.query(`SELECT count(*)::int AS total FROM blacklist_entries b${where}`, f.params);
    const rows: StoredEntryRow[] = await this.db.query(
      `${ENTRY_SELECT}${where} ORDER BY b.id DESC OFFSET $${f.next} LIMIT $${f.next + 1}`,
      [...f.params, offset, limit],
    );
    return { rows: await this.named(this.db.manager, rows), total };
  }

  /** Published entries whose listing period has ended by `now`, soonest first. */
  async dueForExpiry(now: Date): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT b.id::text FROM blacklist_entries b WHERE b.status = 'published' AND b.expires_at <= $1 ORDER BY b.expires_at, b.id`,
      [now],
    );
    return rows.map((r) => r.id);
  }

  /** The entry with its objections, repair applications and transitions, as the API shows it. */
  async view(row: EntryRow, manager: EntityManager = this.db.manager): Promise<BlacklistEntryDto> {
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

  async insert(manager: EntityManager, entry: NewEntry): Promise<string> {
    const [{ id }] = await manager.query(
      `INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
                                      status, department_code, proposed_by, proposed_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7, $8, $9) RETURNING id::text`,
      [
        entry.enterpriseId,
        entry.districtCode,
        entry.reasonCode,
        entry.legalBasis,
        entry.facts,
        entry.periodMonths,
        entry.departmentCode,
        entry.proposedBy,
        entry.proposedAt,
      ],
    );
    return id;
  }

  async update(manager: EntityManager, id: string, changes: EntryChanges): Promise<void> {
    const values = changes as unknown as Record<string, unknown>;
    const columns = Object.keys(values);
    await manager.query(
      `UPDATE blacklist_entries SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`,
      [id, ...columns.map((c) => values[c])],
    );
  }

  /** How many objections and repair applications of the entry await a decision. */
  async pending(manager: EntityManager, entryId: string): Promise<{ objections: number; repairs: number }> {
    const [counts] = await manager.query(
      `SELECT (SELECT count(*)::int FROM blacklist_objections WHERE entry_id = $1 AND outcome IS NULL) AS objections,
              (SELECT count(*)::int FROM blacklist_repair_applications WHERE entry_id = $1 AND outcome IS NULL) AS repairs`,
      [entryId],
    );
    return counts;
  }

  async insertTransition(manager: EntityManager, t: NewTransition): Promise<void> {
    await manager.query(
      `INSERT INTO blacklist_transitions (entry_id, action, from_status, to_status, outcome, actor_type, actor_id,
                                          actor_name, actor_role, occurred_at, note, document_ref, objection_id,
                                          repair_application_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        t.entryId,
        t.action,
        t.from,
        t.to,
        t.outcome,
        t.actorType,
        t.actorId,
        t.actorName,
        t.actorRole,
        t.at,
        t.note,
        t.documentRef,
        t.objectionId,
        t.repairApplicationId,
      ],
    );
  }

  async insertObjection(manager: EntityManager, f: NewFiling): Promise<string> {
    const [{ id }] = await manager.query(
      `INSERT INTO blacklist_objections (entry_id, statement, filed_by, filed_role, filed_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
      [f.entryId, f.statement, f.filedBy, f.filedRole, f.filedAt],
    );
    return id;
  }

  async insertRepairApplication(manager: EntityManager, f: NewFiling): Promise<string> {
    const [{ id }] = await manager.query(
      `INSERT INTO blacklist_repair_applications (entry_id, statement, evidence, filed_by, filed_role, filed_at,
                                                  commitment_version, commitment_sha256, commitment_accepted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text`,
      [
        f.entryId,
        f.statement,
        f.evidence ?? null,
        f.filedBy,
        f.filedRole,
        f.filedAt,
        f.commitment?.version ?? null,
        f.commitment?.sha256 ?? null,
        f.commitment?.acceptedAt ?? null,
      ],
    );
    return id;
  }

  /**
   * Records the decision on the entry's filing if it still awaits one: true when it did; false
   * with the filing's outcome when it was decided already, or with none when there is no such filing.
   */
  async settle(
    manager: EntityManager,
    kind: FilingKind,
    id: string,
    entryId: string,
    decision: { outcome: Outcome; note: string; decidedBy: string | null; at: Date },
  ): Promise<{ settled: true } | { settled: false; outcome?: Outcome | null }> {
    const table = FILING_TABLE[kind];
    // TypeORM answers an UPDATE with [rows, count].
    const [, settled] = await manager.query(
      `UPDATE ${table} SET outcome = $3, note = $4, decided_by = $5, decided_at = $6
        WHERE id = $1 AND entry_id = $2 AND outcome IS NULL`,
      [id, entryId, decision.outcome, decision.note, decision.decidedBy, decision.at],
    );
    if (settled === 1) return { settled: true };
    const [found] = await manager.query(`SELECT outcome FROM ${table} WHERE id = $1 AND entry_id = $2`, [id, entryId]);
    return { settled: false, outcome: found?.outcome };
  }

  async transitions(manager: EntityManager, entryId: string): Promise<TransitionDto[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT id::text, action, from_status, to_status, outcome, actor_name, actor_role, occurred_at, note,
              document_ref, objection_id::text, repair_application_id::text
         FROM blacklist_transitions t WHERE t.entry_id = $1 ORDER BY t.id`,
      [entryId],
    );
    return rows.map(toTransitionDto);
  }

  /** The entry's objections, each with its evidence files. */
  async objections(manager: EntityManager, entryId: string): Promise<ObjectionViewDto[]> {
    const rows: Omit<ObjectionViewDto, 'files'>[] = await manager.query(
      `SELECT id::text, entry_id::text AS "entryId", statement, filed_role AS "filedRole", filed_at AS "filedAt",
              outcome, note, decided_at AS "decidedAt"
         FROM blacklist_objections o WHERE o.entry_id = $1 ORDER BY o.id`,
      [entryId],
    );
    const files = rows.length ? await this.evidence.ofEntry(entryId, manager) : [];
    return rows.map((o) => ({ ...o, files: filesOf(files, (f) => f.objectionId === o.id) }));
  }

  /** The entry's repair applications, each with its evidence files and the commitment accepted. */
  async repairApplications(manager: EntityManager, entryId: string): Promise<RepairApplicationViewDto[]> {
    const rows: (Omit<RepairApplicationViewDto, 'files' | 'commitment'> & {
      commitmentVersion: string | null;
      commitmentSha256: string | null;
      commitmentAcceptedAt: Date | null;
    })[] = await manager.query(
      `SELECT id::text, entry_id::text AS "entryId", statement, evidence, filed_role AS "filedRole",
              filed_at AS "filedAt", outcome, note, decided_at AS "decidedAt",
              commitment_version AS "commitmentVersion", commitment_sha256 AS "commitmentSha256",
              commitment_accepted_at AS "commitmentAcceptedAt"
         FROM blacklist_repair_applications a WHERE a.entry_id = $1 ORDER BY a.id`,
      [entryId],
    );
    const files = rows.length ? await this.evidence.ofEntry(entryId, manager) : [];
    return rows.map(({ commitmentVersion, commitmentSha256, commitmentAcceptedAt, ...a }) => ({
      ...a,
      files: filesOf(files, (f) => f.repairApplicationId === a.id),
      commitment:
        commitmentVersion && commitmentSha256 && commitmentAcceptedAt
          ? { version: commitmentVersion, sha256: commitmentSha256, acceptedAt: commitmentAcceptedAt }
          : null,
    }));
  }

  /** The rows with the enterprise's code and name and the proposer's username: one call to each module. */
  private async named(manager: EntityManager, rows: StoredEntryRow[]): Promise<EntryRow[]> {
    if (!rows.length) return [];
    const enterprises = await this.enterprises.namesByIds(
      rows.map((r) => r.enterprise_id),
      manager,
    );
    const users = await this.users.namesByIds(
      rows.map((r) => r.proposed_by),
      manager,
    );
    return rows.map((r) => {
      const enterprise = enterprises.get(r.enterprise_id)!;
      return {
        ...r,
        uscc: enterprise.uscc,
        enterprise_name: enterprise.name,
        proposer: users.get(r.proposed_by) ?? null,
      };
    });
  }
}
