import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { Grade } from '../classification/rule-set';
import { copyField, copyLines } from '../database/pg-copy';
import { pgPool } from '../database/pg-pool';
import { ReadReplicas } from '../database/read-replicas';
import { Asker } from './asker';
import { CreditStatusDto } from './dto/credit-status.dto';
import { Purpose } from './purposes';

/** One status question (a single lookup or a whole batch): who asks, why, when, about which codes. */
export interface StatusQuestion {
  asker: Asker;
  purpose: Purpose;
  /** Distinct, normalised credit codes. */
  usccs: string[];
  askedAt: Date;
  /** A past time to answer for, or null for now. */
  asOf: Date | null;
}

/** One query-log row of an enterprise's code, as its list shows it. */
export interface LoggedQuery {
  institutionId: string;
  purpose: Purpose;
  askedAt: Date;
  asOf: Date | null;
}

/** Which of an institution's look-ups to list: asked in [from, to), for one purpose; null for no bound. */
export interface AskedFilter {
  from: Date | null;
  to: Date | null;
  purpose: Purpose | null;
}

/** One look-up as the institution that made it reads it in its log. */
export interface InstitutionQuery {
  uscc: string;
  /** The enterprise registered under the code, null when none is. */
  name: string | null;
  purpose: Purpose;
  askedAt: Date;
  asOf: Date | null;
  /** Asked through the portal (a user) or the API (a key). */
  channel: 'web' | 'api';
}

/** An institution's look-ups matching an AskedFilter ($1 the institution, $2–$4 the filter), on ix_credit_queries_institution. */
const BY_INSTITUTION = `q.institution_id = $1
   AND ($2::timestamptz IS NULL OR q.asked_at >= $2) AND ($3::timestamptz IS NULL OR q.asked_at < $3)
   AND ($4::text IS NULL OR q.purpose = $4)`;

interface StatusRow {
  i: number;
  uscc: string;
  name: string;
  district_code: string;
  grade: Grade | null;
  rule_set_version: number | null;
  entries: { id: string; reasonCode: string; publishedAt: string; expiresAt: string }[] | null;
}

/*
 * The statements take the group's codes as two arrays, one element per code: $1 the codes, $2
 * each code's question (1-based) in the per-question arrays that follow, $3 each question's
 * as-of time (null for now). A single lookup is a question with one code and a batch one
 * question with up to 10 000, so the per-question values are sent once per question, not once
 * per code.
 */

/** A query-log row for every code asked, registered or not: who asked about it ($4–$6), why ($7), when ($8), as of when. */
const LOG = `
  INSERT INTO credit_queries (institution_id, api_key_id, user_id, purpose, uscc, asked_at, as_of)
  SELECT ($4::uuid[])[c.q], ($5::uuid[])[c.q], ($6::uuid[])[c.q], ($7::text[])[c.q], c.uscc,
         ($8::timestamptz[])[c.q], ($3::timestamptz[])[c.q]
    FROM unnest($1::text[], $2::int[]) AS c(uscc, q)`;

/**
 * A group carrying at least this many codes (a large batch) is logged by COPY beside the lookup:
 * half the time of the INSERT for 10 000 rows. A smaller group is logged by the lookup statement
 * itself, one round trip and one commit.
 */
const COPY_FROM = 1_000;
const COPY_LOG = `COPY credit_queries (institution_id, api_key_id, user_id, purpose, uscc, asked_at, as_of) FROM STDIN`;

/**
 * The status of every code asked that names an enterprise, with the code's place in $1: now
 * (its question's time in $3 is null) from the current grade and the published entries, or as of
 * that time from the grade interval covering it and the entries published by then and not yet
 * removed or expired. It reads the registry's, classification's and blacklist's data through the
 * views they publish: one join over them is what makes a lookup, or a 10 000-code screening, a
 * single statement (the views inline, so the plan is the one over their tables).
 */
const LOOKUP = `
  SELECT a.i::int AS i, e.uscc, e.name, e.district_code,
         coalesce(c.grade, h.grade) AS grade, coalesce(c.rule_set_version, h.rule_set_version) AS rule_set_version,
         l.entries
    FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS a(uscc, q, i)
    CROSS JOIN LATERAL (SELECT ($3::timestamptz[])[a.q] AS as_of) t
    JOIN registry_enterprises e ON e.uscc = a.uscc
    LEFT JOIN classification_grades c ON t.as_of IS NULL AND c.enterprise_id = e.id
    LEFT JOIN LATERAL (
      SELECT h.grade, h.rule_set_version FROM classification_grade_history h
       WHERE t.as_of IS NOT NULL AND h.enterprise_id = e.id
         AND h.valid_from <= t.as_of AND (h.valid_to IS NULL OR h.valid_to > t.as_of)
       ORDER BY h.valid_from DESC LIMIT 1) h ON true
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('id', b.id::text, 'reasonCode', b.reason_code,
               'publishedAt', b.published_at, 'expiresAt', b.expires_at) ORDER BY b.published_at, b.id) AS entries
        FROM blacklist_listings b
       WHERE b.enterprise_id = e.id
         AND CASE WHEN t.as_of IS NULL THEN b.status = 'published'
                  ELSE b.published_at <= t.as_of
                       AND least(coalesce(b.removed_at, 'infinity'::timestamptz), b.expires_at) > t.as_of END) l ON true`;

/** The log row values of a group, $4–$8 of LOG after the codes ($1), their questions ($2) and as-of times ($3). */
function askers(questions: StatusQuestion[]): unknown[] {
  return [
    questions.map((q) => q.asker.institutionId),
    questions.map((q) => q.asker.apiKeyId),
    questions.map((q) => q.asker.userId),
    questions.map((q) => q.purpose),
    questions.map((q) => q.askedAt),
  ];
}

/**
 * The lookup with the group's log rows written by the same statement: its rows come back only
 * once both have committed, and a failure of either fails both.
 */
const LOGGED_LOOKUP = `WITH logged AS (${LOG}) ${LOOKUP}`;

/**
 * The query log (credit_queries) and the credit-status lookups it logs, a group of questions at a
 * time: every code asked (a credit code, registered or not) is logged before the answer is returned,
 * so the log also shows who asked about a code before its enterprise was registered. The
 * statements are prepared once per connection, on the pool under TypeORM.
 */
@Injectable()
export class CreditQueriesRepository {
  private readonly pool: Pool;

  /*
   * The lookups read from a replica when one is within REPLICA_MAX_LAG_MS (ReadReplicas); the
   * log is always written on the primary (this.db, this.pool), and the lists of the log below
   * read it there too: an institution that has just asked must find its question in its list.
   */
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly replicas: ReadReplicas,
  ) {
    this.pool = pgPool(db);
  }

  /** How many times `uscc` was asked about. */
  async countAbout(uscc: string): Promise<number> {
    const [{ total }]: { total: number }[] = await this.db.query(
      `SELECT count(*)::int AS total FROM credit_queries WHERE uscc = $1`,
      [uscc],
    );
    return total;
  }

  /** The look-ups of `uscc`, newest first, a page at a time. */
  async about(uscc: string, limit: number, offset: number): Promise<LoggedQuery[]> {
    return this.db.query(
      `SELECT q.institution_id AS "institutionId", q.purpose, q.asked_at AS "askedAt", q.as_of AS "asOf"
         FROM credit_queries q
        WHERE q.uscc = $1
        ORDER BY q.asked_at DESC, q.id DESC LIMIT $2 OFFSET $3`,
      [uscc, limit, offset],
    );
  }

  /** How many look-ups institution `institutionId` made that match `filter`. */
  async countBy(institutionId: string, filter: AskedFilter): Promise<number> {
    const [{ total }]: { total: number }[] = await this.db.query(
      `SELECT count(*)::int AS total FROM credit_queries q WHERE ${BY_INSTITUTION}`,
      [institutionId, filter.from, filter.to, filter.purpose],
    );
    return total;
  }

  /**
   * The look-ups institution `institutionId` made that match `filter`, newest first, a page at a
   * time, with the name of the enterprise asked about when one is registered under the code.
   */
  async by(institutionId: string, filter: AskedFilter, limit: number, offset: number): Promise<InstitutionQuery[]> {
    return this.db.query(
      `SELECT q.uscc, e.name, q.purpose, q.asked_at AS "askedAt", q.as_of AS "asOf",
              CASE WHEN q.api_key_id IS NULL THEN 'web' ELSE 'api' END AS channel
         FROM credit_queries q
         LEFT JOIN registry_enterprises e ON e.uscc = q.uscc
        WHERE ${BY_INSTITUTION}
        ORDER BY q.asked_at DESC, q.id DESC LIMIT $5 OFFSET $6`,
      [institutionId, filter.from, filter.to, filter.purpose, limit, offset],
    );
  }

  /** Each question's statuses, for its codes that name an enterprise, in its order, once all are logged. */
  async answer(questions: StatusQuestion[]): Promise<CreditStatusDto[][]> {
    const usccs: string[] = [];
    const questionOf: number[] = [];
    questions.forEach((question, q) => {
      for (const uscc of question.usccs) {
        usccs.push(uscc);
        questionOf.push(q + 1);
      }
    });
    const rows = await this.lookUp(questions, usccs, questionOf);
    // Rows come in no promised order: each goes back to its code's place, and so to its question.
    const found: (StatusRow | undefined)[] = new Array(usccs.length);
    for (const row of rows) found[row.i - 1] = row;
    const answers = questions.map((): CreditStatusDto[] => []);
    // Each question's time as text, once: a Date would be turned into text again for every code.
    const answeredAsOf = questions.map((q) => (q.asOf ?? q.askedAt).toISOString());
    found.forEach((row, i) => {
      if (!row) return;
      answers[questionOf[i] - 1].push({
        uscc: row.uscc,
        name: row.name,
        districtCode: row.district_code,
        grade: row.grade,
        ruleSetVersion: row.rule_set_version,
        blacklisted: !!row.entries?.length,
        blacklistEntries: (row.entries ?? []).map((e) => ({
          id: e.id,
          reasonCode: e.reasonCode,
          publishedAt: new Date(e.publishedAt),
          expiresAt: new Date(e.expiresAt),
        })),
        asOf: answeredAsOf[questionOf[i] - 1],
      });
    });
    return answers;
  }

  /** The group's status rows, once its query-log rows have committed. */
  private async lookUp(questions: StatusQuestion[], usccs: string[], questionOf: number[]): Promise<StatusRow[]> {
    const asOf = questions.map((q) => q.asOf);
    const small = usccs.length < COPY_FROM;
    if (small && !this.replicas.readsFromReplicas) {
      const { rows } = await this.pool.query<StatusRow>({
        name: 'credit-status-logged-lookup',
        text: LOGGED_LOOKUP,
        values: [usccs, questionOf, asOf, ...askers(questions)],
      });
      return rows;
    }
    // The lookup (on a replica when one is near enough, else on the primary) and the log (on the
    // primary, by INSERT or COPY) run side by side on two connections. No answer leaves before the
    // log has committed, and a failed log fails the whole group; a failed lookup leaves log rows
    // for a question that got an error instead of an answer, which errs on the safe side.
    const [{ rows }] = await Promise.all([
      this.replicas.read((reads) =>
        pgPool(reads).query<StatusRow>({
          name: 'credit-status-lookup',
          text: LOOKUP,
          values: [usccs, questionOf, asOf],
        }),
      ),
      small
        ? this.pool.query({
            name: 'credit-status-log',
            text: LOG,
            values: [usccs, questionOf, asOf, ...askers(questions)],
          })
        : this.copyLog(questions, usccs, questionOf),
    ]);
    return rows;
  }

  /** One query-log row per code of a large group, by COPY, committed. */
  private async copyLog(questions: StatusQuestion[], usccs: string[], questionOf: number[]): Promise<void> {
    // Each line is its question's fields around the code, built once per question.
    const before = questions.map(
      (q) => [q.asker.institutionId, q.asker.apiKeyId, q.asker.userId, q.purpose].map(copyField).join('\t') + '\t',
    );
    const after = questions.map((q) => `\t${q.askedAt.toISOString()}\t${copyField(q.asOf?.toISOString() ?? null)}\n`);
    const client = await this.pool.connect();
    let failed: Error | undefined;
    try {
      await copyLines(
        client,
        COPY_LOG,
        usccs.map((uscc, i) => before[questionOf[i] - 1] + copyField(uscc) + after[questionOf[i] - 1]),
      );
    } catch (error) {
      failed = error as Error; // the connection may be mid-COPY: the pool drops it
      throw error;
    } finally {
      client.release(failed);
    }
  }
}
