import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { readSnapshot } from '../database/read-snapshot';
import { EnterprisesService } from '../registry/enterprises.service';
import { ClassificationService, RANGE_SIZE } from './classification.service';
import { classify } from './classify';
import { GradingFactsRepository } from './grading-facts.repository';
import { Grade } from './rule-set';
import { RuleSetsRepository } from './rule-sets.repository';

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

/**
 * What a draft would do, without writing anything: every enterprise classified under the draft
 * and under the active version, in key ranges; the distribution of grades under each, by
 * district, and how many enterprises would move from each grade to each other.
 */
@Injectable()
export class RuleSetDryRun {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ruleSets: RuleSetsRepository,
    private readonly classification: ClassificationService,
    private readonly enterprises: EnterprisesService,
    private readonly facts: GradingFactsRepository,
    private readonly clock: Clock,
  ) {}

  async run(version: number, progress: (percent: number) => void = () => {}): Promise<DryRunResult> {
    const draft = await this.ruleSets.byVersion(version);
    if (!draft) throw new Error(`rule set ${version} does not exist`);
    const active = await this.classification.activeRuleSet();
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
      const enterprises = await readSnapshot(this.db, (manager) => this.facts.gather(manager, range, null));
      for (const enterprise of enterprises) {
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
}
