import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { systemActor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { canonicalJson } from '../audit/digest';
import { Clock } from '../common/clock';
import { Problem } from '../common/problem';
import { RecordsService } from '../records/records.service';
import { EnterprisesService } from '../registry/enterprises.service';
import { ChangeEventsService } from '../sharing/change-events.service';
import { Classification, classify } from './classify';
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

interface Current {
  enterprise_id: string;
  uscc: string;
  grade: Grade | null;
  score: string | null;
  rule_set_version: number | null;
  factors: Classification['factors'] | null;
}

/**
 * Grades enterprises with the active rule set. A recompute gathers the facts of a batch in one
 * query, classifies in memory, and writes only what changed, with bulk statements, in one
 * transaction: the current grade, the history interval it closes and opens, and a
 * `classification.changed` outbox event when the grade moves. Running it twice changes nothing
 * the second time.
 */
@Injectable()
export class ClassificationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly records: RecordsService,
    private readonly enterprises: EnterprisesService,
    private readonly events: ChangeEventsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async activeRuleSet(): Promise<{ version: number; document: RuleSetDocument }> {
    const [row] = await this.dataSource.query(`SELECT version, document FROM rule_sets WHERE status = 'active'`);
    if (!row) throw new Error('No active rule set');
    return row;
  }

  /** Recomputes these enterprises; returns how many grades (or scores) changed. */
  async recompute(enterpriseIds: string[]): Promise<{ examined: number; changed: number; gradeChanges: number }> {
    const ruleSet = await this.activeRuleSet();
    const now = this.clock.now();
    const asOf = now.toISOString().slice(0, 10);
    const facts = await this.records.inForce(enterpriseIds);
    return this.dataSource.transaction(async (manager) => {
      const current: Current[] = await manager.query(
        `SELECT e.id::text AS enterprise_id, e.uscc, c.grade, c.score::text, c.rule_set_version, c.factors
           FROM enterprises e LEFT JOIN classifications c ON c.enterprise_id = e.id
          WHERE e.id = ANY($1::bigint[])
          ORDER BY e.id
            FOR UPDATE OF e`,
        [enterpriseIds],
      );
      const changed: { row: Current; result: Classification }[] = [];
      for (const row of current) {
        const result = classify(
          { records: facts.get(row.enterprise_id) ?? [], publishedBlacklistEntryIds: [] },
          ruleSet.document,
          asOf,
        );
        const same =
          row.grade === result.grade &&
          Number(row.score) === result.score &&
          row.rule_set_version === ruleSet.version &&
          canonicalJson(row.factors) === canonicalJson(result.factors); // jsonb reorders keys
        if (!same) changed.push({ row, result });
      }
      if (!changed.length) return { examined: current.length, changed: 0, gradeChanges: 0 };

      const ids = changed.map((c) => c.row.enterprise_id);
      const grades = changed.map((c) => c.result.grade);
      const scores = changed.map((c) => c.result.score);
      const factors = changed.map((c) => JSON.stringify(c.result.factors));
      await manager.query(
        `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, computed_at)
         SELECT id, grade, score, $4, factors::jsonb, $5 FROM unnest($1::bigint[], $2::text[], $3::numeric[], $6::text[]) AS u(id, grade, score, factors)
         ON CONFLICT (enterprise_id) DO UPDATE
           SET grade = EXCLUDED.grade, score = EXCLUDED.score, rule_set_version = EXCLUDED.rule_set_version,
               factors = EXCLUDED.factors, computed_at = EXCLUDED.computed_at`,
        [ids, grades, scores, ruleSet.version, now, factors],
      );
      // Every change closes the open history interval and opens a new one, so `asOf` answers exactly.
      await manager.query(
        `UPDATE classification_history SET valid_to = $2 WHERE enterprise_id = ANY($1::bigint[]) AND valid_to IS NULL`,
        [ids, now],
      );
      await manager.query(
        `INSERT INTO classification_history (enterprise_id, grade, score, rule_set_version, factors, valid_from)
         SELECT id, grade, score, $4, factors::jsonb, $5 FROM unnest($1::bigint[], $2::text[], $3::numeric[], $6::text[]) AS u(id, grade, score, factors)`,
        [ids, grades, scores, ruleSet.version, now, factors],
      );
      const gradeChanges = changed.filter((c) => c.row.grade !== c.result.grade);
      await this.events.append(
        manager,
        ...gradeChanges.map(({ row, result }) => ({
          type: 'classification.changed' as const,
          uscc: row.uscc,
          data: { from: row.grade, to: result.grade, score: result.score, ruleSetVersion: ruleSet.version },
        })),
      );
      await this.audit.record(manager, systemActor('recompute-enterprises'), {
        action: 'classification.recompute',
        entityType: 'classification',
        entityId: ids.length === 1 ? changed[0].row.uscc : `${ids.length} enterprises`,
        after: { changed: changed.map((c) => [c.row.uscc, c.result.grade, c.result.score]) },
      });
      return { examined: current.length, changed: changed.length, gradeChanges: gradeChanges.length };
    });
  }

  /**
   * What a draft would do, without writing anything: every enterprise classified under the draft
   * and under the active version, in key-ordered chunks; the distribution of grades under each,
   * by district, and how many enterprises would move from each grade to each other.
   */
  async dryRun(version: number, progress: (percent: number) => void = () => {}): Promise<DryRunResult> {
    const [draft] = await this.dataSource.query(`SELECT version, document FROM rule_sets WHERE version = $1`, [
      version,
    ]);
    if (!draft) throw new Error(`rule set ${version} does not exist`);
    const active = await this.activeRuleSet();
    const asOf = this.clock.now().toISOString().slice(0, 10);
    const total = await this.enterprises.count();
    const result: DryRunResult = {
      draftVersion: version,
      activeVersion: active.version,
      enterprises: 0,
      byDistrict: {},
      moves: {},
    };
    for await (const rows of this.enterprises.inKeyOrder(1000)) {
      const facts = await this.records.inForce(rows.map((r) => r.id));
      for (const row of rows) {
        const f = { records: facts.get(row.id) ?? [], publishedBlacklistEntryIds: [] };
        const now = classify(f, active.document, asOf).grade;
        const next = classify(f, draft.document, asOf).grade;
        const district = (result.byDistrict[row.districtCode] ??= {
          active: { A: 0, B: 0, C: 0, D: 0 },
          draft: { A: 0, B: 0, C: 0, D: 0 },
        });
        district.active[now]++;
        district.draft[next]++;
        if (now !== next) result.moves[`${now}->${next}`] = (result.moves[`${now}->${next}`] ?? 0) + 1;
        result.enterprises++;
      }
      progress(Math.floor((100 * result.enterprises) / Math.max(1, total)));
      await new Promise((resolve) => setImmediate(resolve)); // let Bull renew its lock between chunks
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
