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
import { ClassificationRepository } from './classification.repository';
import { Classification, classify, relevantRecords } from './classify';
import { ClassificationDto, ClassificationIntervalDto } from './dto/classification.dto';
import { Gathered, GradingFactsRepository, RecomputeScope } from './grading-facts.repository';
import { RuleSetsRepository, VersionedRuleSet } from './rule-sets.repository';

export type { RecomputeScope } from './grading-facts.repository';

export interface RecomputeResult {
  /** Enterprises in scope. */
  enterprises: number;
  /** Those classified; the others' facts, rule set and recheck date showed their grade could not have changed. */
  examined: number;
  changed: number;
  gradeChanges: number;
}

/** Enterprises per chunk of a full recompute or a dry run (about 50 000 records at ten each). */
export const RANGE_SIZE = 5_000;
const SERIALIZATION_FAILURE = '40001';
/** What a first grade's COPY meets when another transaction graded the enterprise since this one's snapshot. */
const UNIQUE_VIOLATION = '23505';
const ATTEMPTS = 5;

/**
 * Grades enterprises with the active rule set. A recompute gathers the facts of its enterprises
 * set-based (one statement for the whole chunk, the records in force aggregated per enterprise in
 * SQL; see GradingFactsRepository), classifies in memory, and writes only what changed, with
 * bulk statements, in one transaction: the current grade, the history interval it closes and
 * opens, and a `classification.changed` outbox event when the grade moves. Running it twice
 * changes nothing the second time.
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
    private readonly grades: ClassificationRepository,
    private readonly ruleSets: RuleSetsRepository,
    private readonly facts: GradingFactsRepository,
    private readonly events: OutboxRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async activeRuleSet(manager: EntityManager = this.dataSource.manager): Promise<VersionedRuleSet> {
    const active = await this.ruleSets.active(manager);
    if (!active) throw new Error('No active rule set');
    return active;
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
        const code = (error as { code?: string }).code;
        if ((code !== SERIALIZATION_FAILURE && code !== UNIQUE_VIOLATION) || attempt === ATTEMPTS) throw error;
      }
    }
  }

  private async recomputeIn(manager: EntityManager, scope: RecomputeScope): Promise<RecomputeResult> {
    const ruleSet = await this.activeRuleSet(manager);
    const now = this.clock.now();
    const asOf = beijingDate(now);
    const enterprises = await this.facts.gather(
      manager,
      scope,
      { ruleSetVersion: ruleSet.version, asOf },
      relevantRecords(ruleSet.document, asOf),
    );
    const changed: { enterprise: Gathered; result: Classification; factors: string; digest: string }[] = [];
    const restamped: { enterprise: Gathered; result: Classification }[] = [];
    const needed = enterprises.filter((e) => e.needed);
    for (const enterprise of needed) {
      const result = classify(enterprise.facts, ruleSet.document, asOf);
      // classify builds its result in a fixed key order, so this JSON is canonical; it is
      // JSON.stringify({ grade, score, factors }) with the factors' JSON, written as is, made once.
      const { grade, score } = result;
      const factors = JSON.stringify(result.factors);
      const digest = createHash('sha1')
        .update(
          `${ruleSet.version}:{"grade":${JSON.stringify(grade)},"score":${JSON.stringify(score)},"factors":${factors}}`,
        )
        .digest('base64url');
      if (digest !== enterprise.current?.digest) changed.push({ enterprise, result, factors, digest });
      else if (
        enterprise.current.factsMark !== enterprise.factsMark ||
        enterprise.current.recheckOn !== result.recheckOn
      )
        restamped.push({ enterprise, result });
    }
    await this.grades.restamp(
      manager,
      restamped.map(({ enterprise, result }) => ({
        enterpriseId: enterprise.id,
        factsMark: enterprise.factsMark,
        recheckOn: result.recheckOn,
      })),
    );
    const counts = { enterprises: enterprises.length, examined: needed.length };
    if (!changed.length) return { ...counts, changed: 0, gradeChanges: 0 };

    await this.grades.write(
      manager,
      changed.map(({ enterprise, result, factors, digest }) => ({
        enterpriseId: enterprise.id,
        first: !enterprise.graded,
        grade: result.grade,
        score: result.score,
        factors,
        digest,
        factsMark: enterprise.factsMark,
        recheckOn: result.recheckOn,
      })),
      ruleSet.version,
      now,
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
      entityId: changed.length === 1 ? changed[0].enterprise.uscc : `${changed.length} enterprises`,
      after: {
        ruleSetVersion: ruleSet.version,
        changed: changed.length,
        gradeChanges: gradeChanges.length,
        range: [changed[0].enterprise.uscc, changed[changed.length - 1].enterprise.uscc],
      },
    });
    return { ...counts, changed: changed.length, gradeChanges: gradeChanges.length };
  }

  /** The grade now (from the current row) or on `asOf` (from the history intervals). */
  async explain(uscc: string, asOf: string | undefined, jurisdiction: string | null): Promise<ClassificationDto> {
    const enterprise = await this.enterprises.resolve(uscc, jurisdiction);
    const found = asOf ? await this.grades.gradeAt(enterprise.id, asOf) : await this.grades.gradeNow(enterprise.id);
    if (!found) {
      throw Problem.notFound(
        'Classification of',
        asOf ? `${enterprise.uscc} on ${asOf}` : `${enterprise.uscc} (not graded yet)`,
      );
    }
    return found;
  }

  async history(uscc: string, jurisdiction: string | null): Promise<ClassificationIntervalDto[]> {
    const enterprise = await this.enterprises.resolve(uscc, jurisdiction);
    return this.grades.history(enterprise.id);
  }
}
