import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CurrentGrade } from './classification.repository';
import { ClassificationFacts, RecordFact, RelevantRecords } from './classify';
import { Grade } from './rule-set';

/** Which enterprises a recompute covers: named ones (after a change) or a key range (a chunk of a full run). */
export type RecomputeScope = { enterpriseIds: string[] } | { fromId: string; toId: string };

/**
 * The condition on `column` (an enterprise id) for `scope` and its parameters, numbered from $1.
 * A key range stays a range: the planner reads it as one index range scan, where a long array
 * of ids can turn into a sequential scan per chunk.
 */
function scopeWhere(column: string, scope: RecomputeScope): [condition: string, params: unknown[]] {
  return 'enterpriseIds' in scope
    ? [`${column} = ANY($1::bigint[])`, [scope.enterpriseIds]]
    : [`${column} BETWEEN $1 AND $2`, [scope.fromId, scope.toId]];
}

/** One enterprise with its current classification and its facts. */
export interface Gathered {
  id: string;
  uscc: string;
  districtCode: string;
  /** Whether it must be classified: false when nothing it is graded from has changed (see gather). */
  needed: boolean;
  /** What its facts are now (see gather). */
  factsMark: string;
  /** Its current classification; null before its first grading (or for a row from before digests). */
  current: CurrentGrade | null;
  /** Whether it has a current row at all (one from before digests has, with no `current`). */
  graded: boolean;
  facts: ClassificationFacts;
}

interface GatheredRow {
  id: string;
  uscc: string;
  district_code: string;
  grade: Grade | null;
  digest: string | null;
  rule_set_version: number | null;
  facts_mark: string | null;
  recheck_on: string | null;
  mark: string;
  entries: string | null;
  needed: boolean;
  records: [string, RecordFact['type'], RecordFact['severity'], string][] | null;
}

/**
 * What a chunk of enterprises is graded from, in one statement: the full recompute is a
 * measured path (bench/recompute.ts), and a nightly run that finds nothing changed is one such
 * statement per 5 000 enterprises. It reads the register's enterprises, the records and the
 * published listings through the views their modules publish (`registry_enterprises`,
 * `records_credit_records`, `records_in_force`, `blacklist_listings`), beside this module's own
 * current grades.
 */
@Injectable()
export class GradingFactsRepository {
  /**
   * The enterprises in scope, in key order, with their current classification and their facts.
   *
   * With `unchangedUnder`, an enterprise is marked not `needed` (and its records not read) when
   * nothing it is graded from can have changed since it was graded: the same rule set version,
   * its `recheck_on` not reached, and the same facts mark — its newest record's id (records are
   * append-only and a correction is a new row, so any change to its records raises it) and its
   * published entries. Classification is a pure function of those, so skipping it gives exactly
   * the grade recomputing would. Without it (a dry run), every enterprise is needed.
   *
   * With `relevant`, only the records that can bear on the classification are read (see
   * relevantRecords); without it, every record in force.
   */
  async gather(
    manager: EntityManager,
    scope: RecomputeScope,
    unchangedUnder: { ruleSetVersion: number; asOf: string } | null,
    relevant: RelevantRecords | null = null,
  ): Promise<Gathered[]> {
    const on = (column: string) => scopeWhere(column, scope)[0];
    const [, params] = scopeWhere('id', scope);
    const n = params.length;
    const rows: GatheredRow[] = await manager.query(
      `WITH state AS (
         SELECT e.id, e.uscc, e.district_code, c.grade, c.digest, c.facts_mark, c.rule_set_version,
                to_char(c.recheck_on, 'YYYY-MM-DD') AS recheck_on, b.entries,
                concat_ws('/', m.newest, b.entries) AS mark
           FROM registry_enterprises e
           LEFT JOIN classifications c ON c.enterprise_id = e.id AND ${on('c.enterprise_id')}
           LEFT JOIN (SELECT enterprise_id, max(id) AS newest FROM records_credit_records
                       WHERE ${on('enterprise_id')} GROUP BY enterprise_id) m ON m.enterprise_id = e.id
           LEFT JOIN (SELECT enterprise_id, string_agg(id::text, ',' ORDER BY id) AS entries FROM blacklist_listings
                       WHERE status = 'published' AND ${on('enterprise_id')} GROUP BY enterprise_id) b
             ON b.enterprise_id = e.id
          WHERE ${on('e.id')})
       SELECT s.id::text, s.uscc, s.district_code, s.grade, s.digest, s.rule_set_version, s.facts_mark, s.recheck_on,
              s.mark, s.entries, s.needed,
              CASE WHEN s.needed THEN
                (SELECT json_agg(json_build_array(r.id::text, r.type, r.severity, r.occurred_on))
                   FROM records_in_force r WHERE r.enterprise_id = s.id
                    AND ($${n + 3}::text[] IS NULL OR r.occurred_on > $${n + 5}::date
                         OR r.occurred_on >= ($${n + 4}::date[])[array_position($${n + 3}::text[], r.type)])) END AS records
         FROM (SELECT *, $${n + 1}::int IS NULL OR digest IS NULL OR rule_set_version <> $${n + 1}
                         OR facts_mark IS DISTINCT FROM mark OR coalesce(recheck_on <= $${n + 2}, false) AS needed
                 FROM state) s
        ORDER BY s.id`,
      [
        ...params,
        unchangedUnder?.ruleSetVersion ?? null,
        unchangedUnder?.asOf ?? null,
        relevant?.types ?? null,
        relevant?.since ?? null,
        relevant?.asOf ?? null,
      ],
    );
    return rows.map((row) => ({
      id: row.id,
      needed: row.needed,
      uscc: row.uscc,
      districtCode: row.district_code,
      factsMark: row.mark,
      graded: row.grade !== null,
      current:
        row.digest === null
          ? null
          : {
              grade: row.grade!,
              digest: row.digest,
              ruleSetVersion: row.rule_set_version!,
              factsMark: row.facts_mark,
              recheckOn: row.recheck_on,
            },
      facts: {
        records: (row.records ?? []).map(([id, type, severity, occurredOn]) => ({ id, type, severity, occurredOn })),
        publishedBlacklistEntryIds: row.entries ? row.entries.split(',') : [],
      },
    }));
  }
}
