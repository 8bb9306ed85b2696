import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectReads } from '../database/read-replicas';
import { DataSource, EntityManager } from 'typeorm';
import { copyField, copyLines } from '../database/pg-copy';
import { pgClient } from '../database/pg-pool';
import { ClassificationDto, ClassificationIntervalDto } from './dto/classification.dto';
import { Grade } from './rule-set';

/** An enterprise's current classification as a recompute compares it. */
export interface CurrentGrade {
  grade: Grade;
  digest: string;
  ruleSetVersion: number;
  factsMark: string | null;
  recheckOn: string | null;
}

/** A classification a recompute writes: the current row and the history interval it opens. */
export interface GradeWrite {
  enterpriseId: string;
  /** Whether it is the enterprise's first grade (it had no current row when its facts were read). */
  first: boolean;
  grade: Grade;
  score: number;
  /** The factors as JSON, as digested. */
  factors: string;
  digest: string;
  factsMark: string;
  recheckOn: string | null;
}

/** A classification that stays, with the facts mark and recheck date it was found under. */
export interface GradeRestamp {
  enterpriseId: string;
  factsMark: string;
  recheckOn: string | null;
}

/**
 * The grades: each enterprise's current classification (`classifications`) and every interval
 * it held one (`classification_history`). A recompute writes a chunk of enterprises at once,
 * with bulk statements over arrays, in the caller's transaction. The modules above read an
 * enterprise's grade here (a report states it, the statistics count them), and the registry's
 * list shows and filters by them through its `EnterpriseGrades` port (`RegisterGrades`).
 */
@Injectable()
export class ClassificationRepository {
  /** `reads`: the public, whole-register reads below, which a replica near enough may serve (ReadReplicas). */
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectReads() private readonly reads: DataSource,
  ) {}

  /** Same classification, new facts mark or recheck date: remembered, so the next run skips it. */
  async restamp(manager: EntityManager, rows: GradeRestamp[]): Promise<void> {
    if (!rows.length) return;
    await manager.query(
      `UPDATE classifications c SET facts_mark = u.mark, recheck_on = u.recheck
         FROM unnest($1::bigint[], $2::text[], $3::date[]) AS u(id, mark, recheck) WHERE c.enterprise_id = u.id`,
      [rows.map((r) => r.enterpriseId), rows.map((r) => r.factsMark), rows.map((r) => r.recheckOn)],
    );
  }

  /**
   * Writes changed classifications under `ruleSetVersion` at `now`: the current rows, and in the
   * history the open interval of each closed and a new one opened, so `asOf` answers exactly.
   * An interval opened at this same instant (a change a moment ago, by a clock that has not
   * moved since) is replaced instead: a grade that held for no time leaves no interval.
   *
   * A first grade has no current row and no open interval (the two are only ever written
   * together, here): its row and its interval are copied in (COPY), which for a whole first
   * grading or a new rule set's run takes about half the time of INSERT … SELECT over arrays
   * (see pg-copy.ts) and spares node-postgres quoting every factors JSON into an array literal.
   * Should another transaction have graded the enterprise since this one's snapshot, the COPY
   * fails on the primary key (23505) and the caller starts again from fresh facts, as it does on
   * a serialization failure.
   */
  async write(manager: EntityManager, changed: GradeWrite[], ruleSetVersion: number, now: Date): Promise<void> {
    if (!changed.length) return;
    const client = pgClient(manager.queryRunner!);
    const at = now.toISOString();
    const first = changed.filter((c) => c.first);
    if (first.length)
      await copyLines(
        client,
        `COPY classifications (enterprise_id, grade, score, rule_set_version, factors, digest, facts_mark, recheck_on, computed_at) FROM STDIN`,
        first.map(
          (c) =>
            `${c.enterpriseId}\t${c.grade}\t${c.score}\t${ruleSetVersion}\t${copyField(c.factors)}\t${copyField(c.digest)}\t` +
            `${copyField(c.factsMark)}\t${copyField(c.recheckOn)}\t${at}\n`,
        ),
      );
    const regraded = changed.filter((c) => !c.first);
    if (regraded.length) {
      const ids = regraded.map((c) => c.enterpriseId);
      await manager.query(
        `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, digest, facts_mark, recheck_on, computed_at)
         SELECT id, grade, score, $8, factors::jsonb, digest, mark, recheck, $9
           FROM unnest($1::bigint[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::text[], $7::date[])
                AS u(id, grade, score, factors, digest, mark, recheck)
         ON CONFLICT (enterprise_id) DO UPDATE
           SET grade = EXCLUDED.grade, score = EXCLUDED.score, rule_set_version = EXCLUDED.rule_set_version,
               factors = EXCLUDED.factors, digest = EXCLUDED.digest, facts_mark = EXCLUDED.facts_mark,
               recheck_on = EXCLUDED.recheck_on, computed_at = EXCLUDED.computed_at`,
        [
          ids,
          regraded.map((c) => c.grade),
          regraded.map((c) => c.score),
          regraded.map((c) => c.factors),
          regraded.map((c) => c.digest),
          regraded.map((c) => c.factsMark),
          regraded.map((c) => c.recheckOn),
          ruleSetVersion,
          now,
        ],
      );
      await manager.query(
        `WITH replaced AS (
           DELETE FROM classification_history
            WHERE enterprise_id = ANY($1::bigint[]) AND valid_to IS NULL AND valid_from >= $2)
         UPDATE classification_history SET valid_to = $2
          WHERE enterprise_id = ANY($1::bigint[]) AND valid_to IS NULL AND valid_from < $2`,
        [ids, now],
      );
    }
    await copyLines(
      client,
      `COPY classification_history (enterprise_id, grade, score, rule_set_version, factors, valid_from) FROM STDIN`,
      changed.map(
        (c) => `${c.enterpriseId}\t${c.grade}\t${c.score}\t${ruleSetVersion}\t${copyField(c.factors)}\t${at}\n`,
      ),
    );
  }

  /** The current grade of an enterprise, with what it was computed from; null before its first grading. */
  async gradeNow(enterpriseId: string, manager: EntityManager = this.db.manager): Promise<ClassificationDto | null> {
    const [row] = await manager.query(
      `SELECT grade, score::float AS score, rule_set_version, factors, computed_at FROM classifications WHERE enterprise_id = $1`,
      [enterpriseId],
    );
    return row ? toDto(row) : null;
  }

  /** The grade an enterprise had at `asOf` (a timestamp), from its history intervals; null when it had none. */
  async gradeAt(enterpriseId: string, asOf: string): Promise<ClassificationDto | null> {
    const [row] = await this.db.query(
      `SELECT grade, score::float AS score, rule_set_version, factors, valid_from AS computed_at FROM classification_history
        WHERE enterprise_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)`,
      [enterpriseId, asOf],
    );
    return row ? toDto(row) : null;
  }

  /** Every grade an enterprise had, oldest first, with its validity interval. */
  history(enterpriseId: string): Promise<ClassificationIntervalDto[]> {
    return this.db.query(
      `SELECT grade, valid_from AS "validFrom", valid_to AS "validTo", rule_set_version AS "ruleSetVersion", score::float AS score
         FROM classification_history WHERE enterprise_id = $1 ORDER BY valid_from`,
      [enterpriseId],
    );
  }

  /**
   * Each district's registered enterprises by current grade, and those not graded yet, in one
   * statement over the register's published view (districts with no enterprise are absent).
   */
  async gradeCountsByDistrict(): Promise<(Record<Grade | 'ungraded', number> & { districtCode: string })[]> {
    return this.reads.query(
      `SELECT e.district_code AS "districtCode",
              count(*) FILTER (WHERE c.grade = 'A')::int AS "A",
              count(*) FILTER (WHERE c.grade = 'B')::int AS "B",
              count(*) FILTER (WHERE c.grade = 'C')::int AS "C",
              count(*) FILTER (WHERE c.grade = 'D')::int AS "D",
              count(*) FILTER (WHERE c.enterprise_id IS NULL)::int AS ungraded
         FROM registry_enterprises e LEFT JOIN classifications c ON c.enterprise_id = e.id
        GROUP BY e.district_code`,
    );
  }

  /** The current grade of each of these enterprises (by id) that has one. */
  async gradesOf(enterpriseIds: string[], manager: EntityManager = this.db.manager): Promise<Map<string, Grade>> {
    const grades: { id: string; grade: Grade }[] = await manager.query(
      `SELECT enterprise_id::text AS id, grade FROM classifications WHERE enterprise_id = ANY($1::bigint[])`,
      [enterpriseIds],
    );
    return new Map(grades.map((g) => [g.id, g.grade]));
  }

  /** The ids of the enterprises whose current grade is `grade`. */
  async withGrade(grade: Grade): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT enterprise_id::text AS id FROM classifications WHERE grade = $1`,
      [grade],
    );
    return rows.map((r) => r.id);
  }
}

function toDto(row: {
  grade: Grade;
  score: number;
  rule_set_version: number;
  factors: ClassificationDto['factors'];
  computed_at: Date;
}): ClassificationDto {
  return {
    grade: row.grade,
    score: row.score,
    ruleSetVersion: row.rule_set_version,
    factors: row.factors,
    computedAt: row.computed_at,
  };
}
