import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { escapeLike } from '../../database/sql-filter';
import { MatchKind } from './dto/public-enterprise.dto';

/**
 * How many matches a search counts and pages through. A one-character query may match a
 * tenth of the register; counting all of it would cost more than the 50 ms the search has, and
 * nobody pages through a hundred thousand names. Past this, `totalCapped` says to refine.
 */
export const SEARCH_WINDOW = 1000;

/** Letters and digits only: the query may also be a credit code or its beginning. */
const CODE_LIKE = /^[0-9A-Za-z]{1,18}$/;

/**
 * The register as the search reads it: the registry's published view over `enterprises`, which
 * the planner inlines, so the gram, name-prefix and code indexes of the PublicSearch migration
 * serve each rank as they would on the table.
 */
const REGISTER = 'registry_enterprises';

/**
 * One rank of matches: a condition on the register and the order within the rank, which an
 * index gives without sorting (see the PublicSearch migration).
 */
export interface Rank {
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
export function ranksOf(q: string): Rank[] {
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
export interface Access {
  where: string;
  ordered: boolean;
}

/** The planner's estimate of how many names hold the query's grams, and of all names. */
export interface Estimate {
  share: number;
  names: number;
}

/**
 * Walk or index, for reading `rows` rows of a rank whose gram condition the planner expects
 * `share` of the names to meet: the walk reads about `rows / share` names, the index hands over
 * `share × names` rows (each fetched from the table) and sorts them. Made here, from the
 * planner's own estimate, because the planner underrates the walk's cost (it reads the table
 * in key order, page after page) against a bitmap and picks the wrong one for fragments held
 * by a few percent of the names. Only a rank that may walk needs the estimate.
 */
export function accessFor(rank: Rank, rows: number, estimate: Estimate | undefined): Access {
  if (rank.walk && estimate && rows / Math.max(estimate.share, 1e-9) < estimate.share * estimate.names) {
    return { where: rank.walk, ordered: true };
  }
  return { where: rank.where, ordered: !rank.walk };
}

/** Counts a rank's matches up to `cap`; an ordered read stops there. */
function countStatement(rank: Rank, access: Access, cap: number): string {
  const order = access.ordered ? ` ORDER BY ${rank.order}` : '';
  return `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${REGISTER} WHERE ${access.where}${order} LIMIT ${cap}) m`;
}

/** Rows `from` … `from + limit` of a rank, in its order. */
function pageStatement(rank: Rank, access: Access, from: number, limit: number): string {
  return `SELECT id::text AS key, uscc, name, district_code FROM ${REGISTER}
           WHERE ${access.where} ORDER BY ${rank.order} OFFSET ${from} LIMIT ${limit}`;
}

/** EXPLAIN of this with the query as $1 gives the planner's row estimate (from the gram statistics). */
export const ESTIMATE_STATEMENT = `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${REGISTER} WHERE name_grams(name) @> search_grams($1)`;

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

/** A match as a rank's page reads it. */
export interface SearchRow {
  key: string;
  uscc: string;
  name: string;
  district_code: string;
}

/** The search's statements: one per rank to count, one per rank to read a page, and the planner's estimate. */
@Injectable()
export class PublicSearchRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The rank's matches, counted up to `cap`. */
  async count(rank: Rank, access: Access, cap: number): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(countStatement(rank, access, cap), rank.params);
    return n;
  }

  /** Rows `from` … `from + limit` of the rank, in its order. */
  page(rank: Rank, access: Access, from: number, limit: number): Promise<SearchRow[]> {
    return this.db.query(pageStatement(rank, access, from, limit), rank.params);
  }

  /** How many names the planner expects to hold the grams of `q`. */
  async estimatedMatches(q: string): Promise<number> {
    const [row]: { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[] = await this.db.query(ESTIMATE_STATEMENT, [q]);
    return row['QUERY PLAN'][0].Plan['Plan Rows'];
  }
}
