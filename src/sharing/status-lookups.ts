import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { Grade } from '../classification/rule-set';
import { GroupCommit } from '../common/group-commit';
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

interface StatusRow {
  q: number;
  uscc: string;
  name: string;
  district_code: string;
  grade: Grade | null;
  rule_set_version: number | null;
  entries: { id: string; reasonCode: string; publishedAt: string; expiresAt: string }[] | null;
}

/**
 * Every question of a group in one statement: the codes asked ($1–$6 one element per question,
 * $7–$8 one per code with its question's number), the enterprises found among them, a query-log
 * row for each one found, and their status — now from the current grade and the published
 * entries, or as of the question's time from the grade interval covering it and the entries
 * published by then and not yet removed or expired. Reading and logging in one statement is one
 * round trip and one commit for the group, and no answer can exist without its log row. It reads
 * the registry's, classification's and blacklist's tables, read-only: one join over them is what
 * makes a lookup, or a 10 000-code screening, a single statement.
 */
const LOOKUP_AND_LOG = `
  WITH asked AS (
    SELECT q.q, q.institution_id, q.api_key_id, q.user_id, q.purpose, q.asked_at, q.as_of, c.uscc, c.i
      FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::timestamptz[])
             WITH ORDINALITY AS q(institution_id, api_key_id, user_id, purpose, asked_at, as_of, q)
      JOIN unnest($7::text[], $8::bigint[]) WITH ORDINALITY AS c(uscc, q, i) USING (q)
  ), found AS (
    SELECT a.*, e.id AS enterprise_id, e.name, e.district_code
      FROM asked a JOIN enterprises e ON e.uscc = a.uscc
  ), logged AS (
    INSERT INTO credit_queries (institution_id, api_key_id, user_id, purpose, uscc, asked_at, as_of)
    SELECT institution_id, api_key_id, user_id, purpose, uscc, asked_at, as_of FROM found ORDER BY i
  )
  SELECT f.q::int AS q, f.uscc, f.name, f.district_code,
         coalesce(c.grade, h.grade) AS grade, coalesce(c.rule_set_version, h.rule_set_version) AS rule_set_version,
         l.entries
    FROM found f
    LEFT JOIN classifications c ON f.as_of IS NULL AND c.enterprise_id = f.enterprise_id
    LEFT JOIN LATERAL (
      SELECT h.grade, h.rule_set_version FROM classification_history h
       WHERE f.as_of IS NOT NULL AND h.enterprise_id = f.enterprise_id
         AND h.valid_from <= f.as_of AND (h.valid_to IS NULL OR h.valid_to > f.as_of)
       ORDER BY h.valid_from DESC LIMIT 1) h ON true
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('id', b.id::text, 'reasonCode', b.reason_code,
               'publishedAt', b.published_at, 'expiresAt', b.expires_at) ORDER BY b.published_at, b.id) AS entries
        FROM blacklist_entries b
       WHERE b.enterprise_id = f.enterprise_id
         AND CASE WHEN f.as_of IS NULL THEN b.status = 'published'
                  ELSE b.published_at <= f.as_of
                       AND least(coalesce(b.removed_at, 'infinity'::timestamptz), b.expires_at) > f.as_of END) l ON true
   ORDER BY f.i`;

/**
 * Credit-status lookups with their query log: every answer is logged before it is returned, in
 * the same statement that reads it (one row per enterprise answered; unknown codes are not
 * subjects). Concurrent questions are grouped (group commit), so under load a statement carries
 * many lookups and their log rows: one round trip and one commit for all of them. The statement
 * is prepared once per connection, on the pool under TypeORM.
 */
@Injectable()
export class StatusLookups implements BeforeApplicationShutdown {
  private readonly pool: Pool;
  private readonly groups = new GroupCommit((questions: StatusQuestion[]) => this.answer(questions));

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
  }

  /** The statuses of the question's codes that name an enterprise, in its order, once logged. */
  ask(question: StatusQuestion): Promise<CreditStatusDto[]> {
    return this.groups.submit(question);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.groups.idle();
  }

  private async answer(questions: StatusQuestion[]): Promise<CreditStatusDto[][]> {
    const usccs: string[] = [];
    const questionOf: number[] = [];
    questions.forEach((question, i) => {
      for (const uscc of question.usccs) {
        usccs.push(uscc);
        questionOf.push(i + 1);
      }
    });
    const { rows } = await this.pool.query<StatusRow>({
      name: 'credit-status-lookup-and-log',
      text: LOOKUP_AND_LOG,
      values: [
        questions.map((q) => q.asker.institutionId),
        questions.map((q) => q.asker.apiKeyId),
        questions.map((q) => q.asker.userId),
        questions.map((q) => q.purpose),
        questions.map((q) => q.askedAt),
        questions.map((q) => q.asOf),
        usccs,
        questionOf,
      ],
    });
    const answers = questions.map((): CreditStatusDto[] => []);
    for (const row of rows) {
      const asOf = questions[row.q - 1].asOf ?? questions[row.q - 1].askedAt;
      answers[row.q - 1].push({
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
        asOf,
      });
    }
    return answers;
  }
}
