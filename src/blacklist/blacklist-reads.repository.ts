import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectReads } from '../database/read-replicas';
import { DataSource, EntityManager } from 'typeorm';
import { ReasonCode, ReasonDto } from './dto/blacklist.dto';

/** A published entry as other modules show it beside an enterprise (a credit report). */
/** What waits on someone in the blacklist's due process (the console's to-do list). */
export type TodoKind = 'notice' | 'objection' | 'decide' | 'publish' | 'repair';

/** Whose to-do: the kinds of work their role does, and what limits them. */
export interface TodoScope {
  kinds: readonly TodoKind[];
  /** A district-level official's district; null when city-wide. */
  jurisdiction: string | null;
  /** Notices and publications of this department's proposals only (a regulator's); null for any. */
  departmentCode: string | null;
}

/** One thing to do on an entry: since when it waits, and its deadline in law when it has one. */
export interface TodoEntry {
  kind: TodoKind;
  id: string;
  enterpriseId: string;
  reasonCode: ReasonCode;
  since: Date;
  deadline: Date | null;
}

/**
 * The to-do's branches, each switched on by its kind in $2 (a one-time filter: a role's other
 * branches cost nothing). $1 is now, $3 the jurisdiction, $4 the department. Each branch runs on
 * an index: the status index for proposed, noticed and approved entries, the pending-filing
 * indexes for objections and repair applications.
 */
const TODO_SQL = `
  SELECT 'notice' AS kind, b.id, b.enterprise_id, b.reason_code, b.proposed_at AS since, NULL::timestamptz AS deadline
    FROM blacklist_entries b
   WHERE 'notice' = ANY($2::text[]) AND b.status = 'proposed'
     AND ($3::text IS NULL OR b.district_code = $3) AND ($4::text IS NULL OR b.department_code = $4)
  UNION ALL
  SELECT 'objection', b.id, b.enterprise_id, b.reason_code, o.filed_at, b.objection_deadline
    FROM blacklist_objections o JOIN blacklist_entries b ON b.id = o.entry_id
   WHERE 'objection' = ANY($2::text[]) AND o.outcome IS NULL AND b.status = 'noticed'
     AND ($3::text IS NULL OR b.district_code = $3)
  UNION ALL
  SELECT 'decide', b.id, b.enterprise_id, b.reason_code, b.objection_deadline, NULL
    FROM blacklist_entries b
   WHERE 'decide' = ANY($2::text[]) AND b.status = 'noticed' AND b.objection_deadline <= $1
     AND ($3::text IS NULL OR b.district_code = $3)
     AND NOT EXISTS (SELECT 1 FROM blacklist_objections o WHERE o.entry_id = b.id AND o.outcome IS NULL)
  UNION ALL
  SELECT 'publish', b.id, b.enterprise_id, b.reason_code, b.decided_at, NULL
    FROM blacklist_entries b
   WHERE 'publish' = ANY($2::text[]) AND b.status = 'approved'
     AND ($3::text IS NULL OR b.district_code = $3) AND ($4::text IS NULL OR b.department_code = $4)
  UNION ALL
  SELECT 'repair', b.id, b.enterprise_id, b.reason_code, a.filed_at, NULL
    FROM blacklist_repair_applications a JOIN blacklist_entries b ON b.id = a.entry_id
   WHERE 'repair' = ANY($2::text[]) AND a.outcome IS NULL AND b.status = 'published'
     AND ($3::text IS NULL OR b.district_code = $3)`;

const todoParams = (scope: TodoScope, now: Date) => [now, scope.kinds, scope.jurisdiction, scope.departmentCode];

export interface PublishedEntry {
  enterpriseId: string;
  id: string;
  reasonCode: ReasonCode;
  /** The department that proposed the listing. */
  departmentCode: string;
  publishedAt: Date;
  expiresAt: Date;
}

/**
 * What the blacklist tells the modules above it: the reason catalogue, the entries currently
 * published against a set of enterprises (what a report and a search show), and publications
 * and removals per month (the statistics). Set-based: one statement per call, however many
 * enterprises; a read that is part of a snapshot takes its manager.
 *
 * These reads stay apart from `BlacklistRepository` (blacklist.repository.ts), the due-process
 * aggregate itself: an entry with its moves, objections and repair applications, which only the
 * blacklist's own services read and write.
 */
@Injectable()
export class BlacklistReads {
  /** `reads`: the public, whole-register reads below, which a replica near enough may serve (ReadReplicas). */
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectReads() private readonly reads: DataSource,
  ) {}

  /** What waits in this scope, longest waiting first (at most `limit`). */
  todo(scope: TodoScope, now: Date, limit: number): Promise<TodoEntry[]> {
    if (scope.kinds.length === 0) return Promise.resolve([]);
    return this.db.query(
      `SELECT kind, id::text, enterprise_id::text AS "enterpriseId", reason_code AS "reasonCode", since, deadline
         FROM (${TODO_SQL}) t ORDER BY coalesce(deadline, since), since, id LIMIT $5`,
      [...todoParams(scope, now), limit],
    );
  }

  /** How many things wait in this scope: what the console's navigation shows on every page. */
  async todoCount(scope: TodoScope, now: Date): Promise<number> {
    if (scope.kinds.length === 0) return 0;
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM (${TODO_SQL}) t`, todoParams(scope, now));
    return n;
  }

  /** The reasons for listing, by code, with their Chinese and English labels. */
  reasons(): Promise<ReasonDto[]> {
    return this.db.query(`SELECT code, name_zh AS "nameZh", name_en AS "nameEn" FROM blacklist_reasons ORDER BY code`);
  }

  /** The published entries of these enterprises, by enterprise, each enterprise's in order of publication. */
  published(enterpriseIds: string[], manager: EntityManager = this.db.manager): Promise<PublishedEntry[]> {
    if (enterpriseIds.length === 0) return Promise.resolve([]);
    return manager.query(
      `SELECT b.enterprise_id::text AS "enterpriseId", b.id::text, b.reason_code AS "reasonCode",
              b.department_code AS "departmentCode", b.published_at AS "publishedAt", b.expires_at AS "expiresAt"
         FROM blacklist_entries b
        WHERE b.enterprise_id = ANY($1::bigint[]) AND b.status = 'published'
        ORDER BY b.enterprise_id, b.published_at, b.id`,
      [enterpriseIds],
    );
  }

  /** Which of these enterprises have a published entry. */
  async listedAmong(enterpriseIds: string[]): Promise<Set<string>> {
    if (enterpriseIds.length === 0) return new Set();
    const rows: { id: string }[] = await this.reads.query(
      `SELECT DISTINCT enterprise_id::text AS id FROM blacklist_entries
        WHERE enterprise_id = ANY($1::bigint[]) AND status = 'published'`,
      [enterpriseIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Publications, and removals by reason, per calendar month in Beijing (`yyyy-mm`) from `from`
   * to before `to`: `kind` is 'published' or the removal reason.
   */
  flowByMonth(from: Date, to: Date): Promise<{ month: string; kind: string; n: number }[]> {
    return this.reads.query(
      `SELECT to_char(published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, 'published' AS kind, count(*)::int AS n
         FROM blacklist_entries WHERE published_at >= $1 AND published_at < $2 GROUP BY 1
       UNION ALL
       SELECT to_char(removed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), removal_reason, count(*)::int
         FROM blacklist_entries WHERE removed_at >= $1 AND removed_at < $2 GROUP BY 1, 2`,
      [from, to],
    );
  }
}
