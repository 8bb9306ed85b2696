import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Problem } from '../../common/problem';
import { escapeLike } from '../../database/sql-filter';
import { lookupUscc } from '../../common/uscc';
import { PublicBlacklistService } from '../open-data/public-blacklist.service';
import {
  MatchKind,
  PublicEnterpriseBlacklistEntryDto,
  PublicEnterpriseDto,
  PublicRecordDto,
  PublicSearchHitDto,
  PublicSearchPageDto,
  PublicSearchQuery,
} from './dto/public-enterprise.dto';
import { maskPersonName } from './mask';

/**
 * How many matches a search counts and pages through. A one-character query may match a
 * tenth of the register; counting all of it would cost more than the 50 ms the search has, and
 * nobody pages through a hundred thousand names. Past this, `totalCapped` says to refine.
 */
export const SEARCH_WINDOW = 1000;

/** Letters and digits only: the query may also be a credit code or its beginning. */
const CODE_LIKE = /^[0-9A-Za-z]{1,18}$/;

/**
 * One rank of matches: a condition on `enterprises` and the order within the rank, which an
 * index gives without sorting (see the PublicSearch migration).
 */
interface Rank {
  match: MatchKind;
  /** The condition, using an index that finds the rank's rows. */
  where: string;
  /** The order within the rank, which an index gives without sorting. */
  order: string;
  params: unknown[];
  /**
   * For name fragments: the same condition without the gram index (`strpos` alone, cheap per
   * row), to read in id order and stop when enough rows are found; worth it for a fragment
   * that most names hold, where the index would hand over most of the table first.
   */
  walk?: string;
}

/**
 * The ranks of a query, best first: the exact code, codes that start with it, names that start
 * with it, names that hold it elsewhere. Each rank excludes what an earlier one found, so
 * an enterprise appears once.
 */
function ranksOf(q: string): Rank[] {
  const ranks: Rank[] = [];
  const code = CODE_LIKE.test(q) ? q.toUpperCase() : null;
  const codePrefix = code ? `${escapeLike(code)}%` : null;
  if (code?.length === 18) ranks.push({ match: 'code', where: `uscc = $1`, order: 'uscc', params: [code] });
  if (codePrefix && code!.length < 18) {
    ranks.push({ match: 'code-prefix', where: `uscc LIKE $1`, order: 'uscc', params: [codePrefix] });
  }
  // The name ranks leave out what the code ranks found (the code is its own parameter, last).
  const notByCode = (n: number) => (codePrefix ? ` AND uscc NOT LIKE $${n}` : '');
  const codeParams = codePrefix ? [codePrefix] : [];
  const namePrefix = `lower(name) COLLATE "C" LIKE lower($1) || '%'`;
  ranks.push({
    match: 'name-prefix',
    where: namePrefix + notByCode(2),
    order: `lower(name) COLLATE "C", id`,
    params: [escapeLike(q), ...codeParams],
  });
  const fragment = `strpos(lower(name), lower($2)) > 0 AND NOT (${namePrefix})${notByCode(3)}`;
  ranks.push({
    match: 'name',
    where: `name_grams(name) @> search_grams($2) AND ${fragment}`,
    order: 'id',
    params: [escapeLike(q), q, ...codeParams],
    walk: fragment,
  });
  return ranks;
}

/** How to read a rank: with its index, or (name fragments) walking the names in id order. */
interface Access {
  where: string;
  ordered: boolean;
}

/**
 * Walk or index, for reading `rows` rows of a rank whose gram condition the planner expects
 * `share` of the names to meet: the walk reads about `rows / share` names, the index hands over
 * `share × names` rows (each fetched from the table) and sorts them. Made here, from the
 * planner's own estimate, because the planner underrates the walk's cost (it reads the table
 * in key order, page after page) against a bitmap and picks the wrong one for fragments held
 * by a few percent of the names. Only a rank that may walk needs the estimate.
 */
function accessFor(rank: Rank, rows: number, estimate: Estimate | undefined): Access {
  if (rank.walk && estimate && rows / Math.max(estimate.share, 1e-9) < estimate.share * estimate.names) {
    return { where: rank.walk, ordered: true };
  }
  return { where: rank.where, ordered: !rank.walk };
}

/** Counts a rank's matches up to `cap`; an ordered read stops there. */
function countStatement(rank: Rank, access: Access, cap: number): string {
  const order = access.ordered ? ` ORDER BY ${rank.order}` : '';
  return `SELECT count(*)::int AS n FROM (SELECT 1 FROM enterprises WHERE ${access.where}${order} LIMIT ${cap}) m`;
}

/** Rows `from` … `from + limit` of a rank, in its order. */
function pageStatement(rank: Rank, access: Access, from: number, limit: number): string {
  return `SELECT id::text AS key, uscc, name, district_code FROM enterprises
           WHERE ${access.where} ORDER BY ${rank.order} OFFSET ${from} LIMIT ${limit}`;
}

/** The planner's estimate of how many names hold the query's grams, and of all names. */
export interface Estimate {
  share: number;
  names: number;
}

/** EXPLAIN of this with the query as $1 gives the planner's row estimate (from the gram statistics). */
export const ESTIMATE_STATEMENT = `EXPLAIN (FORMAT JSON) SELECT 1 FROM enterprises WHERE name_grams(name) @> search_grams($1)`;

/** The statements a search for `q` runs for a first page, for EXPLAIN in the benchmark. */
export function searchStatements(
  q: string,
  pageSize: number,
  estimate: Estimate,
): { label: string; text: string; params: unknown[] }[] {
  return ranksOf(q).flatMap((rank) => {
    const counting = accessFor(rank, SEARCH_WINDOW, estimate);
    const paging = accessFor(rank, pageSize, estimate);
    return [
      { label: `${rank.match}: count`, text: countStatement(rank, counting, SEARCH_WINDOW), params: rank.params },
      { label: `${rank.match}: page`, text: pageStatement(rank, paging, 0, pageSize), params: rank.params },
    ];
  });
}

interface EnterpriseRow {
  id: string;
  uscc: string;
  name: string;
  district_code: string;
  district_zh: string;
  district_en: string;
  status: string;
  legal_representative: string | null;
}

/**
 * What anyone may read of the register: search by name fragment or credit code, and an
 * enterprise's public page (its published blacklist entries in force and its disclosed records
 * in force). Reads the registry's, records' and blacklist's tables directly, read-only, to
 * answer in one or two statements; every answer is built field by field into the public DTOs.
 * The web pages and the signed reports use this service too.
 */
@Injectable()
export class PublicEnterprisesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly blacklist: PublicBlacklistService,
  ) {}

  /**
   * A page of matches in rank order. Each rank is counted up to what the window still holds
   * (`LIMIT` over an index-ordered read, so no rank is ever read past the window), and the page
   * is cut from the ranks it overlaps with `OFFSET`/`LIMIT` in each rank's index order: nothing
   * sorts all the matches of a common character.
   */
  async search(query: PublicSearchQuery): Promise<PublicSearchPageDto> {
    const offset = query.offset;
    if (offset >= SEARCH_WINDOW) {
      throw Problem.badRequest(
        'beyond-search-window',
        `Only the first ${SEARCH_WINDOW} matches can be paged through; refine the query`,
      );
    }
    const end = Math.min(offset + query.pageSize, SEARCH_WINDOW);
    const ranks = ranksOf(query.q);
    // The planner's estimate (an EXPLAIN round trip) is read when a rank that may walk is reached.
    let estimate: Estimate | undefined;
    let counted = 0;
    const hits: (Omit<PublicSearchHitDto, 'blacklisted'> & { id: string })[] = [];
    for (const rank of ranks) {
      const room = SEARCH_WINDOW - counted;
      if (room === 0) break;
      if (rank.walk) estimate ??= await this.estimate(query.q);
      const [{ n }]: { n: number }[] = await this.dataSource.query(
        countStatement(rank, accessFor(rank, room, estimate), room),
        rank.params,
      );
      // This rank holds positions [counted, counted + n) of the whole list.
      const from = Math.max(offset - counted, 0);
      const to = Math.min(end - counted, n);
      if (to > from) {
        const rows: { key: string; uscc: string; name: string; district_code: string }[] = await this.dataSource.query(
          pageStatement(rank, accessFor(rank, to, estimate), from, to - from),
          rank.params,
        );
        for (const r of rows) {
          hits.push({ id: r.key, uscc: r.uscc, name: r.name, districtCode: r.district_code, match: rank.match });
        }
      }
      counted += n;
    }
    const listed = await this.listedAmong(hits.map((h) => h.id));
    return {
      items: hits.map(({ id, ...hit }): PublicSearchHitDto => ({ ...hit, blacklisted: listed.has(id) })),
      page: query.page,
      pageSize: query.pageSize,
      total: counted,
      totalCapped: counted >= SEARCH_WINDOW,
    };
  }

  private names = { count: 0, readAt: 0 };

  /** The planner's estimate for the query's grams; the table's size is read once a minute. */
  private async estimate(q: string): Promise<Estimate> {
    if (Date.now() - this.names.readAt > 60_000) {
      const [{ n }]: { n: number }[] = await this.dataSource.query(
        `SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'enterprises'::regclass`,
      );
      this.names = { count: n, readAt: Date.now() };
    }
    const [row]: { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[] = await this.dataSource.query(
      ESTIMATE_STATEMENT,
      [q],
    );
    const rows = row['QUERY PLAN'][0].Plan['Plan Rows'];
    return { share: this.names.count > 0 ? Math.min(rows / this.names.count, 1) : 0, names: this.names.count };
  }

  /** The public page of an enterprise: 400 for a malformed code, 404 for an unknown one. */
  async enterprise(usccInput: string): Promise<PublicEnterpriseDto> {
    const uscc = lookupUscc(usccInput);
    const [e]: EnterpriseRow[] = await this.dataSource.query(
      `SELECT e.id::text, e.uscc, e.name, e.district_code, d.name_zh AS district_zh, d.name_en AS district_en,
              e.status, e.legal_representative
         FROM enterprises e JOIN districts d ON d.code = e.district_code
        WHERE e.uscc = $1`,
      [uscc],
    );
    if (!e) throw Problem.notFound('Enterprise', uscc);
    const [entries, records] = await Promise.all([this.activeEntries(e.id), this.disclosedRecords(e.id)]);
    return {
      uscc: e.uscc,
      name: e.name,
      districtCode: e.district_code,
      district: { zh: e.district_zh, en: e.district_en },
      status: e.status,
      legalRepresentative: maskPersonName(e.legal_representative),
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
    }));
  }

  /** Disclosed records in force: not withdrawn, not superseded by a correction. */
  private async disclosedRecords(enterpriseId: string): Promise<PublicRecordDto[]> {
    const rows: Record<string, string>[] = await this.dataSource.query(
      `SELECT r.id::text, r.type, r.severity, to_char(r.occurred_on, 'YYYY-MM-DD') AS occurred_on, r.document_no,
              r.summary, r.department_code, dep.name_zh AS department_zh, dep.name_en AS department_en
         FROM credit_records_in_force r JOIN departments dep ON dep.code = r.department_code
        WHERE r.enterprise_id = $1 AND r.disclosed
        ORDER BY r.occurred_on DESC, r.id DESC`,
      [enterpriseId],
    );
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      severity: r.severity,
      occurredOn: r.occurred_on,
      documentNo: r.document_no,
      summary: r.summary,
      departmentCode: r.department_code,
      department: { zh: r.department_zh, en: r.department_en },
    }));
  }

  /** Which of these enterprises have a published entry. */
  private async listedAmong(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT enterprise_id::text AS id FROM blacklist_entries
        WHERE enterprise_id = ANY($1::bigint[]) AND status = 'published'`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }
}
