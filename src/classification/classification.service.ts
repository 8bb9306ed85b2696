import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { systemActor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { beijingDate, Clock } from '../common/clock';
import { Problem } from '../common/problem';
import { EnterprisesService } from '../registry/enterprises.service';
import { OutboxRepository } from '../outbox/outbox.repository';
import { Classification, ClassificationFacts, classify, RecordFact } from './classify';
import { ClassificationDto, ClassificationIntervalDto } from './dto/classification.dto';
import { Grade, RuleSetDocument } from './rule-set';

type Distribution = Record<Grade, number>;

export interface DryRunResult {
  draftVersion: number;
  activeVersion: number;
  enterprises: number;
  /** Per district: how many enterprises each grade would have under the active version and the draft. */
  byDistrict: Record<string, { active: Distribution; draft: Distribution }>;
  /** "A->B": how many would move from A (active) to B (draft); only moves that happen are listed. */
  moves: Record<string, number>;
}

/** Which enterprises a recompute covers: named ones (after a change) or a key range (a chunk of a full run). */
export type RecomputeScope = { enterpriseIds: string[] } | { fromId: string; toId: string };

export interface RecomputeResult {
  /** Enterprises in scope. */
  enterprises: number;
  /** Those classified; the others' facts, rule set and recheck date showed their grade could not have changed. */
  examined: number;
  changed: number;
  gradeChanges: number;
}

/** One enterprise with its current classification and its facts, as one query gathers them. */
interface Gathered {
  id: string;
  uscc: string;
  districtCode: string;
  /** Whether it must be classified: false when nothing it is graded from has changed (see gather). */
  needed: boolean;
  /** What its facts are now (see gather). */
  factsMark: string;
  current: { grade: Grade; digest: string; factsMark: string | null; recheckOn: string | null } | null;
  facts: ClassificationFacts;
}

/** Enterprises per chunk of a full recompute or a dry run (about 50 000 records at ten each). */
export const RANGE_SIZE = 5_000;
const SERIALIZATION_FAILURE = '40001';
const ATTEMPTS = 5;

/**
 * Grades enterprises with the active rule set. A recompute gathers the facts of its enterprises
 * in one aggregating query (one row per enterprise, its records in force as one JSON array),
 * classifies in memory, and writes only what changed, with bulk statements, in one transaction:
 * the current grade, the history interval it closes and opens, and a `classification.changed`
 * outbox event when the grade moves. Running it twice changes nothing the second time.
 *
 * Two recomputes of one enterprise may overlap (a record's regrade during the nightly run): each
 * runs in a REPEATABLE READ transaction, so the one that read older facts cannot overwrite the
 * other's newer grade; PostgreSQL refuses its write and it starts again from fresh facts. No row
 * is locked for reading, which keeps a full run from writing a lock into every enterprise.
 */
@Injectable()
export class ClassificationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly enterprises: EnterprisesService,
    private readonly events: OutboxRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async activeRuleSet(
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ version: number; document: RuleSetDocument }> {
    const [row] = await manager.query(`SELECT version, document FROM rule_sets WHERE status = 'active'`);
    if (!row) throw new Error('No active rule set');
    return row;
  }

  async recompute(scope: RecomputeScope): Promise<RecomputeResult> {
    const result = await this.recomputeRetrying(scope);
    // Its audit entry committed with it, pending; chained now (or at the next start after a crash).
    if (result.changed) await this.audit.chainPending();
    return result;
  }

  private async recomputeRetrying(scope: RecomputeScope): Promise<RecomputeResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction('REPEATABLE READ', (manager) => this.recomputeIn(manager, scope));
      } catch (error) {
        if ((error as { code?: string }).code !== SERIALIZATION_FAILURE || attempt === ATTEMPTS) throw error;
      }
    }
  }

  private async recomputeIn(manager: EntityManager, scope: RecomputeScope): Promise<RecomputeResult> {
    const ruleSet = await this.activeRuleSet(manager);
    const now = this.clock.now();
    const asOf = beijingDate(now);
    const enterprises = await this.gather(manager, scope, { ruleSetVersion: ruleSet.version, asOf });
    const changed: { enterprise: Gathered; result: Classification; digest: string }[] = [];
    const restamped: { enterprise: Gathered; result: Classification }[] = [];
    const needed = enterprises.filter((e) => e.needed);
    for (const enterprise of needed) {
      const result = classify(enterprise.facts, ruleSet.document, asOf);
      // classify builds its result in a fixed key order, so this JSON is canonical.
      const { grade, score, factors } = result;
      const digest = createHash('sha1')
        .update(`${ruleSet.version}:${JSON.stringify({ grade, score, factors })}`)
        .digest('base64url');
      if (digest !== enterprise.current?.digest) changed.push({ enterprise, result, digest });
      else if (
        enterprise.current.factsMark !== enterprise.factsMark ||
        enterprise.current.recheckOn !== result.recheckOn
      )
        restamped.push({ enterprise, result });
    }
    // Same classification, new facts mark or recheck date: remember them, so the next run skips it.
    if (restamped.length) {
      await manager.query(
        `UPDATE classifications c SET facts_mark = u.mark, recheck_on = u.recheck
           FROM unnest($1::bigint[], $2::text[], $3::date[]) AS u(id, mark, recheck) WHERE c.enterprise_id = u.id`,
        [
          restamped.map((r) => r.enterprise.id),
          restamped.map((r) => r.enterprise.factsMark),
          restamped.map((r) => r.result.recheckOn),
        ],
      );
    }
    const counts = { enterprises: enterprises.length, examined: needed.length };
    if (!changed.length) return { ...counts, changed: 0, gradeChanges: 0 };

    const ids = changed.map((c) => c.enterprise.id);
    const columns = [
      ids,
      changed.map((c) => c.result.grade),
      changed.map((c) => c.result.score),
      changed.map((c) => JSON.stringify(c.result.factors)),
      changed.map((c) => c.digest),
      changed.map((c) => c.enterprise.factsMark),
      changed.map((c) => c.result.recheckOn),
    ];
    const rows = `unnest($1::bigint[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::text[], $7::date[])
                    AS u(id, grade, score, factors, digest, mark, recheck)`;
    await manager.query(
      `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, digest, facts_mark, recheck_on, computed_at)
       SELECT id, grade, score, $8, factors::jsonb, digest, mark, recheck, $9 FROM ${rows}
       ON CONFLICT (enterprise_id) DO UPDATE
         SET grade = EXCLUDED.grade, score = EXCLUDED.score, rule_set_version = EXCLUDED.rule_set_version,
             factors = EXCLUDED.factors, digest = EXCLUDED.digest, facts_mark = EXCLUDED.facts_mark,
             recheck_on = EXCLUDED.recheck_on, computed_at = EXCLUDED.computed_at`,
      [...columns, ruleSet.version, now],
    );
    // Every change closes the open history interval and opens a new one, so `asOf` answers exactly.
    // An interval opened at this same instant (a change a moment ago, by a clock that has not
    // moved since) is replaced instead: a grade that held for no time leaves no interval.
    await manager.query(
      `WITH replaced AS (
         DELETE FROM classification_history
          WHERE enterprise_id = ANY($1::bigint[]) AND valid_to IS NULL AND valid_from >= $2)
       UPDATE classification_history SET valid_to = $2
        WHERE enterprise_id = ANY($1::bigint[]) AND valid_to IS NULL AND valid_from < $2`,
      [ids, now],
    );
    await manager.query(
      `INSERT INTO classification_history (enterprise_id, grade, score, rule_set_version, factors, valid_from)
       SELECT id, grade, score, $4, factors::jsonb, $5 FROM unnest($1::bigint[], $2::text[], $3::numeric[], $6::text[]) AS u(id, grade, score, factors)`,
      [ids, columns[1], columns[2], ruleSet.version, now, columns[3]],
    );
    const gradeChanges = changed.filter((c) => c.enterprise.current?.grade !== c.result.grade);
    await this.events.append(
      manager,
      ...gradeChanges.map(({ enterprise, result }) => ({
        type: 'classification.changed' as const,
        uscc: enterprise.uscc,
        data: {
          from: enterprise.current?.grade ?? null,
          to: result.grade,
          score: result.score,
          ruleSetVersion: ruleSet.version,
        },
      })),
    );
    // The history holds each enterprise's change; the audit row says which run made how many.
    await this.audit.recordPending(manager, systemActor('recompute-enterprises'), {
      action: 'classification.recompute',
      entityType: 'classification',
      entityId: ids.length === 1 ? changed[0].enterprise.uscc : `${ids.length} enterprises`,
      after: {
        ruleSetVersion: ruleSet.version,
        changed: changed.length,
        gradeChanges: gradeChanges.length,
        range: [changed[0].enterprise.uscc, changed[changed.length - 1].enterprise.uscc],
      },
    });
    return { ...counts, changed: changed.length, gradeChanges: gradeChanges.length };
  }

  /**
   * The enterprises in scope, in key order, with their current classification and their facts:
   * the records in force aggregated per enterprise in SQL (one row per enterprise, however many
   * records it has) and the blacklist entries published against it.
   *
   * With `unchangedUnder`, an enterprise is marked not `needed` (and its facts not read) when nothing it is graded from can have
   * changed since it was graded: the same rule set version, its `recheck_on` not reached, and
   * the same facts mark — its newest record's id (records are append-only and a correction is a
   * new row, so any change to its records raises it) and its published entries. Classification
   * is a pure function of those, so skipping it gives exactly the grade recomputing would.
   */
  private async gather(
    manager: EntityManager,
    scope: RecomputeScope,
    unchangedUnder: { ruleSetVersion: number; asOf: string } | null,
  ): Promise<Gathered[]> {
    const [where, params] =
      'enterpriseIds' in scope
        ? [(column: string) => `${column} = ANY($1::bigint[])`, [scope.enterpriseIds]]
        : [(column: string) => `${column} BETWEEN $1 AND $2`, [scope.fromId, scope.toId]];
    const rows: {
      id: string;
      uscc: string;
      district_code: string;
      grade: Grade | null;
      digest: string | null;
      facts_mark: string | null;
      recheck_on: string | null;
      mark: string;
      entries: string | null;
      needed: boolean;
      records: [string, RecordFact['type'], RecordFact['severity'], string][] | null;
    }[] = await manager.query(
      `WITH state AS (
         SELECT e.id, e.uscc, e.district_code, c.grade, c.digest, c.facts_mark, c.rule_set_version,
                to_char(c.recheck_on, 'YYYY-MM-DD') AS recheck_on, b.entries,
                concat_ws('/', m.newest, b.entries) AS mark
           FROM enterprises e
           LEFT JOIN classifications c ON c.enterprise_id = e.id AND ${where('c.enterprise_id')}
           LEFT JOIN (SELECT enterprise_id, max(id) AS newest FROM credit_records
                       WHERE ${where('enterprise_id')} GROUP BY enterprise_id) m ON m.enterprise_id = e.id
           LEFT JOIN (SELECT enterprise_id, string_agg(id::text, ',' ORDER BY id) AS entries FROM blacklist_entries
                       WHERE status = 'published' AND ${where('enterprise_id')} GROUP BY enterprise_id) b
             ON b.enterprise_id = e.id
          WHERE ${where('e.id')})
       SELECT s.id::text, s.uscc, s.district_code, s.grade, s.digest, s.facts_mark, s.recheck_on, s.mark, s.entries,
              s.needed,
              CASE WHEN s.needed THEN
                (SELECT json_agg(json_build_array(r.id::text, r.type, r.severity, r.occurred_on))
                   FROM credit_records_in_force r WHERE r.enterprise_id = s.id) END AS records
         FROM (SELECT *, $${params.length + 1}::int IS NULL OR digest IS NULL OR rule_set_version <> $${params.length + 1}
                         OR facts_mark IS DISTINCT FROM mark OR recheck_on <= $${params.length + 2} AS needed
                 FROM state) s
        ORDER BY s.id`,
      [...params, unchangedUnder?.ruleSetVersion ?? null, unchangedUnder?.asOf ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      needed: row.needed,
      uscc: row.uscc,
      districtCode: row.district_code,
      factsMark: row.mark,
      current:
        row.digest === null
          ? null
          : { grade: row.grade!, digest: row.digest, factsMark: row.facts_mark, recheckOn: row.recheck_on },
      facts: {
        records: (row.records ?? []).map(([id, type, severity, occurredOn]) => ({ id, type, severity, occurredOn })),
        publishedBlacklistEntryIds: row.entries ? row.entries.split(',') : [],
      },
    }));
  }

  /**
   * What a draft would do, without writing anything: every enterprise classified under the draft
   * and under the active version, in key ranges; the distribution of grades under each, by
   * district, and how many enterprises would move from each grade to each other.
   */
  async dryRun(version: number, progress: (percent: number) => void = () => {}): Promise<DryRunResult> {
    const [draft] = await this.dataSource.query(`SELECT version, document FROM rule_sets WHERE version = $1`, [
      version,
    ]);
    if (!draft) throw new Error(`rule set ${version} does not exist`);
    const active = await this.activeRuleSet();
    const asOf = this.clock.today();
    const total = await this.enterprises.count();
    const result: DryRunResult = {
      draftVersion: version,
      activeVersion: active.version,
      enterprises: 0,
      byDistrict: {},
      moves: {},
    };
    for await (const range of this.enterprises.keyRanges(RANGE_SIZE)) {
      for (const enterprise of await this.gather(this.dataSource.manager, range, null)) {
        const now = classify(enterprise.facts, active.document, asOf).grade;
        const next = classify(enterprise.facts, draft.document, asOf).grade;
        const district = (result.byDistrict[enterprise.districtCode] ??= {
          active: { A: 0, B: 0, C: 0, D: 0 },
          draft: { A: 0, B: 0, C: 0, D: 0 },
        });
        district.active[now]++;
        district.draft[next]++;
        if (now !== next) result.moves[`${now}->${next}`] = (result.moves[`${now}->${next}`] ?? 0) + 1;
        result.enterprises++;
      }
      progress(Math.floor((100 * result.enterprises) / Math.max(1, total)));
      await new Promise((resolve) => setImmediate(resolve)); // let Bull renew its lock between ranges
    }
    return result;
  }

  /** The grade now (from the current row) or on `asOf` (from the history intervals). */
  async explain(uscc: string, asOf: string | undefined, jurisdiction: string | null): Promise<ClassificationDto> {
    const enterprise = await this.enterprises.resolve(uscc, jurisdiction);
    const [row] = asOf
      ? await this.dataSource.query(
          `SELECT grade, score::float AS score, rule_set_version, factors, valid_from AS computed_at FROM classification_history
            WHERE enterprise_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)`,
          [enterprise.id, asOf],
        )
      : await this.dataSource.query(
          `SELECT grade, score::float AS score, rule_set_version, factors, computed_at FROM classifications WHERE enterprise_id = $1`,
          [enterprise.id],
        );
    if (!row) {
      throw Problem.notFound(
        'Classification of',
        asOf ? `${enterprise.uscc} on ${asOf}` : `${enterprise.uscc} (not graded yet)`,
      );
    }
    return {
      grade: row.grade,
      score: row.score,
      ruleSetVersion: row.rule_set_version,
      factors: row.factors,
      computedAt: row.computed_at,
    };
  }

  async history(uscc: string, jurisdiction: string | null): Promise<ClassificationIntervalDto[]> {
    const enterprise = await this.enterprises.resolve(uscc, jurisdiction);
    return this.dataSource.query(
      `SELECT grade, valid_from AS "validFrom", valid_to AS "validTo", rule_set_version AS "ruleSetVersion", score::float AS score
         FROM classification_history WHERE enterprise_id = $1 ORDER BY valid_from`,
      [enterprise.id],
    );
  }
}
