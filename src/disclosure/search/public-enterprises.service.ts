import { Injectable } from '@nestjs/common';
import { BlacklistReads } from '../../blacklist/blacklist-reads.repository';
import { Problem } from '../../common/problem';
import { lookupUscc } from '../../common/uscc';
import { ReadReplicas } from '../../database/read-replicas';
import { DepartmentsRepository } from '../../identity/departments.repository';
import { RecordsRepository } from '../../records/records.repository';
import { EnterpriseGrades } from '../../registry/enterprise-grades';
import { EnterprisesRepository } from '../../registry/enterprises.repository';
import { PublicBlacklistService } from '../open-data/public-blacklist.service';
import {
  PublicEnterpriseBlacklistEntryDto,
  PublicEnterpriseDto,
  PublicRecordDto,
  PublicSearchHitDto,
  PublicSearchPageDto,
  PublicSearchQuery,
} from './dto/public-enterprise.dto';
import { maskPersonName } from './mask';
import {
  countAccess,
  Estimate,
  estimateOf,
  gramStatistics,
  pageAccess,
  PublicSearchRepository,
  ranksOf,
  SEARCH_WINDOW,
} from './public-search.repository';

/**
 * What anyone may read of the register: search by name fragment or credit code, and an
 * enterprise's public page (its published blacklist entries in force and its disclosed records
 * in force), each with its current grade. The search reads the registry's published view, one statement per rank; the page
 * asks the registry, the records, identity and the public blacklist for its parts. Every answer
 * is built field by field into the public DTOs. The web pages use this service too.
 */
@Injectable()
export class PublicEnterprisesService {
  constructor(
    private readonly register: PublicSearchRepository,
    private readonly profiles: EnterprisesRepository,
    private readonly records: RecordsRepository,
    private readonly departments: DepartmentsRepository,
    private readonly listings: BlacklistReads,
    private readonly blacklist: PublicBlacklistService,
    private readonly grades: EnterpriseGrades,
    private readonly replicas: ReadReplicas,
  ) {}

  /*
   * The register's, records' and grades' repositories serve officers' reads too, which stay on
   * the primary; this service's reads are public and go through `replicas.read` (a replica near
   * enough, else the primary) with the repositories' manager parameter.
   */

  /**
   * A page of matches in rank order. Each rank is counted up to what the window still holds
   * (`LIMIT` over an index-ordered read, so no rank is ever read past the window), and the page
   * is cut from the ranks it overlaps with `OFFSET`/`LIMIT` in each rank's index order: nothing
   * sorts all the matches of a common character.
   */
  async search(query: PublicSearchQuery): Promise<PublicSearchPageDto> {
    const offset = query.offset;
    if (offset >= SEARCH_WINDOW) {
      throw Problem.badRequest('beyond-search-window', {
        en: `Only the first ${SEARCH_WINDOW} matches can be paged through; refine the query`,
        zh: `只能翻阅前 ${SEARCH_WINDOW} 条结果，请缩小查询范围`,
      });
    }
    const end = Math.min(offset + query.pageSize, SEARCH_WINDOW);
    const estimate = await this.estimate(query.q);
    const ranks = ranksOf(query.q, estimate.lookup);
    let counted = 0;
    const hits: (Omit<PublicSearchHitDto, 'blacklisted' | 'grade'> & { id: string })[] = [];
    for (const rank of ranks) {
      const room = SEARCH_WINDOW - counted;
      if (room === 0) break;
      const n = await this.register.count(rank, countAccess(rank, room, estimate), room);
      // This rank holds positions [counted, counted + n) of the whole list.
      const from = Math.max(offset - counted, 0);
      const to = Math.min(end - counted, n);
      if (to > from) {
        const rows = await this.register.page(rank, pageAccess(rank, to, n, room, estimate), from, to - from);
        for (const r of rows) {
          hits.push({ id: r.key, uscc: r.uscc, name: r.name, districtCode: r.district_code, match: rank.match });
        }
      }
      counted += n;
    }
    // Over the page's ids only (20 by default), side by side on the pool.
    const ids = hits.map((h) => h.id);
    const [listed, grades] = ids.length
      ? await Promise.all([this.listings.listedAmong(ids), this.replicas.read((db) => this.grades.of(ids, db.manager))])
      : [new Set<string>(), new Map<string, never>()];
    return {
      items: hits.map(({ id, ...hit }): PublicSearchHitDto => ({
        ...hit,
        blacklisted: listed.has(id),
        grade: grades.get(id) ?? null,
      })),
      page: query.page,
      pageSize: query.pageSize,
      total: counted,
      totalCapped: counted >= SEARCH_WINDOW,
    };
  }

  private statistics = { names: 0, grams: gramStatistics(undefined), readAt: -Infinity };

  /**
   * What the statistics say of `q`: the table's size and the gram statistics of the last
   * ANALYZE, read once a minute (no statement per search).
   */
  private async estimate(q: string): Promise<Estimate> {
    if (Date.now() - this.statistics.readAt > 60_000) {
      const [names, grams] = await Promise.all([this.profiles.estimatedCount(), this.register.gramStatistics()]);
      this.statistics = { names, grams, readAt: Date.now() };
    }
    return estimateOf(q, this.statistics.grams, this.statistics.names);
  }

  /** The public page of an enterprise: 400 for a malformed code, 404 for an unknown one. */
  async enterprise(usccInput: string): Promise<PublicEnterpriseDto> {
    const uscc = lookupUscc(usccInput);
    const e = await this.replicas.read((db) => this.profiles.profileByUscc(uscc, db.manager));
    if (!e) throw Problem.notFound('Enterprise', uscc);
    const [entries, records, grades] = await Promise.all([
      this.activeEntries(e.id),
      this.disclosedRecords(e.id),
      this.replicas.read((db) => this.grades.of([e.id], db.manager)),
    ]);
    return {
      uscc: e.uscc,
      name: e.name,
      districtCode: e.districtCode,
      district: e.district,
      status: e.status,
      legalRepresentative: maskPersonName(e.legalRepresentative),
      registeredOn: e.registeredOn,
      industryCode: e.industryCode,
      grade: grades.get(e.id) ?? null,
      activeBlacklistEntries: entries,
      disclosedRecords: records,
    };
  }

  /**
   * The enterprise's listed entries: `published` ones, as every public output defines them (the
   * expiry pass moves an entry past its period to `removed`, with `removedAt = expiresAt`), read
   * as the public blacklist reads them and told in this page's shape.
   */
  private async activeEntries(enterpriseId: string): Promise<PublicEnterpriseBlacklistEntryDto[]> {
    const entries = await this.blacklist.forEnterprise(enterpriseId);
    return entries.map((e) => ({
      id: e.id,
      reasonCode: e.reason.code,
      reason: { zh: e.reason.nameZh, en: e.reason.nameEn },
      legalBasis: e.legalBasis,
      facts: e.facts,
      departmentCode: e.authority.code,
      department: { zh: e.authority.nameZh, en: e.authority.nameEn },
      districtCode: e.district.code,
      publishedAt: e.publishedAt,
      expiresAt: e.expiresAt,
      publishedOn: e.publishedOn,
      listedUntil: e.listedUntil,
    }));
  }

  /** Disclosed records in force: not withdrawn, not superseded by a correction. */
  private async disclosedRecords(enterpriseId: string): Promise<PublicRecordDto[]> {
    const records = await this.replicas.read((db) =>
      this.records.disclosedInForce(enterpriseId, { manager: db.manager }),
    );
    const names = await this.departments.namesByCodes(records.map((r) => r.departmentCode));
    return records.map((r) => ({
      id: r.id,
      type: r.type,
      severity: r.severity,
      occurredOn: r.occurredOn,
      documentNo: r.documentNo,
      summary: r.summary,
      departmentCode: r.departmentCode,
      department: names.get(r.departmentCode)!,
    }));
  }
}
