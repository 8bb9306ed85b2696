import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EnterpriseScope } from '../database/enterprise-scope';
import { BlacklistReads } from '../blacklist/blacklist-reads.repository';
import { RecordsRepository } from '../records/records.repository';
import { EnterprisesRepository } from '../registry/enterprises.repository';
import { ClassificationRepository, CurrentGrade } from './classification.repository';
import { ClassificationFacts, RecordFact } from './classify';

/** Which enterprises a recompute covers: named ones (after a change) or a key range (a chunk of a full run). */
export type RecomputeScope = EnterpriseScope;

/** One enterprise with its current classification and its facts. */
export interface Gathered {
  id: string;
  uscc: string;
  districtCode: string;
  /** Whether it must be classified: false when nothing it is graded from has changed (see gather). */
  needed: boolean;
  /** What its facts are now (see gather). */
  factsMark: string;
  current: CurrentGrade | null;
  facts: ClassificationFacts;
}

/**
 * Gathers what a chunk of enterprises is graded from, one call per module for the whole chunk
 * (its ids or its key range in, one row per enterprise out): the register's enterprises, their current
 * grades, the newest id of their records and their published blacklist entries, then the
 * records in force of those that must be classified. Called in a recompute's transaction, every
 * read sees its one snapshot.
 */
@Injectable()
export class GradingFacts {
  constructor(
    private readonly enterprises: EnterprisesRepository,
    private readonly records: RecordsRepository,
    private readonly listings: BlacklistReads,
    private readonly grades: ClassificationRepository,
  ) {}

  /**
   * The enterprises in scope, in key order, with their current classification and their facts.
   *
   * With `unchangedUnder`, an enterprise is marked not `needed` (and its facts not read) when
   * nothing it is graded from can have changed since it was graded: the same rule set version,
   * its `recheck_on` not reached, and the same facts mark — its newest record's id (records are
   * append-only and a correction is a new row, so any change to its records raises it) and its
   * published entries. Classification is a pure function of those, so skipping it gives exactly
   * the grade recomputing would. Every read goes through `manager`: one snapshot for the chunk.
   */
  async gather(
    manager: EntityManager,
    scope: RecomputeScope,
    unchangedUnder: { ruleSetVersion: number; asOf: string } | null,
  ): Promise<Gathered[]> {
    const enterprises = await this.enterprises.factsInScope(scope, manager);
    if (!enterprises.length) return [];
    // Only a recompute compares with the current grades; a dry run grades everything afresh.
    const current = unchangedUnder ? await this.grades.current(scope, manager) : new Map();
    const newest = await this.records.newestIds(scope, manager);
    const listed = new Map<string, string[]>();
    for (const { enterpriseId, id } of await this.listings.published(scope, 'id', manager)) {
      const entries = listed.get(enterpriseId);
      if (entries) entries.push(id);
      else listed.set(enterpriseId, [id]);
    }
    const gathered = enterprises.map((enterprise): Gathered => {
      const entries = listed.get(enterprise.id) ?? [];
      const factsMark = [newest.get(enterprise.id), entries.length ? entries.join(',') : undefined]
        .filter((part) => part !== undefined)
        .join('/');
      const grade = current.get(enterprise.id) ?? null;
      const needed =
        unchangedUnder === null ||
        grade === null ||
        grade.ruleSetVersion !== unchangedUnder.ruleSetVersion ||
        grade.factsMark !== factsMark ||
        (grade.recheckOn !== null && grade.recheckOn <= unchangedUnder.asOf);
      return {
        ...enterprise,
        needed,
        factsMark,
        current: grade,
        facts: { records: [], publishedBlacklistEntryIds: entries },
      };
    });
    const needed = gathered.filter((e) => e.needed);
    if (needed.length) {
      const inForce = await this.records.factsInForce(
        needed.map((e) => e.id),
        manager,
      );
      for (const enterprise of needed) enterprise.facts.records = (inForce.get(enterprise.id) ?? []) as RecordFact[];
    }
    return gathered;
  }
}
