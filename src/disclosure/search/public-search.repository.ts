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
 * What a row read through the gram index costs, in rows walked in id order: the bitmap fetches
 * each match from its own table page (most of them outside shared buffers at a million names),
 * the walk reads the next row of a page it has just read. Measured at 1 000 000 names: a
 * thousand rows through the bitmap 11–20 ms, twenty-five thousand walked 25–40 ms.
 */
const BITMAP_ROW = 12;

/**
 * The most rows a page may walk when the count could not tell how many names the rank holds
 * (it stopped at the window): its cost is bounded, the bitmap's is not (a fragment the
 * planner thinks rare may be held by a tenth of the names, see {@link pageAccess}).
 */
const WALK_BUDGET = 30_000;

const walking = (rank: Rank): Access => ({ where: rank.walk!, ordered: true });
const indexed = (rank: Rank): Access => ({ where: rank.where, ordered: !rank.walk });

/**
 * Walk or index, for counting up to `rows` matches of a rank whose gram condition the planner
 * expects `share` of the names to meet: the walk reads about `rows / share` names (all of them
 * if fewer match), the index fetches `rows` matches from the table (or all if fewer), each
 * costing {@link BITMAP_ROW} walked rows. Made here, from the planner's own estimate, because
 * the planner underrates the walk's cost against a bitmap. The estimate multiplies the
 * frequencies of the query's pairs, so for three characters and more it is too low (the pairs
 * of `服饰有` go together: estimated 0.17 %, held by 3.2 %): the error leans to the index,
 * which for a count is bounded by `rows` fetches. Only a rank that may walk needs the estimate.
 */
export function countAccess(rank: Rank, rows: number, estimate: Estimate | undefined): Access {
  if (!rank.walk || !estimate) return indexed(rank);
  const matches = estimate.share * estimate.names;
  const walked = matches >= rows ? rows / Math.max(estimate.share, 1e-9) : estimate.names;
  return walked < BITMAP_ROW * Math.min(rows, matches) ? walking(rank) : indexed(rank);
}

/**
 * Walk or index, for reading the first `to` matches of a rank whose count found `n` (all of
 * them when `n < room`, else at least `n`). The count, not the planner's estimate, decides: the
 * walk reads at most `to / n` of the names; the index fetches every match and sorts them,
 * `n` when the count saw them all, an unknown number (the estimate may be ten times too low)
 * when it stopped. So: the index when it saw them all and that costs less, the walk when it
 * stopped and its bound fits {@link WALK_BUDGET}.
 */
export function pageAccess(rank: Rank, to: number, n: number, room: number, estimate: Estimate | undefined): Access {
  if (!rank.walk || !estimate) return indexed(rank);
  const walked = (to / Math.max(n, 1)) * estimate.names;
  const walk = n < room ? walked < BITMAP_ROW * n : walked <= WALK_BUDGET;
  return walk ? walking(rank) : indexed(rank);
}

/** Counts a rank's matches up to `cap`; an ordered read stops there. */
function countStatement(rank: Rank, access: Access, cap: number): string {
  const order = access.ordered ? ` ORDER BY ${rank.order}` : '';
  return `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${REGISTER} WHERE ${access.where}${order} LIMIT ${cap}) m`;
}

/**
 * Rows `from` … `from + limit` of a rank, in its order. Read through the gram index, the
 * matches are taken first and then sorted (a MATERIALIZED step), so that the planner cannot
 * walk the primary key in order with the gram function as a filter on every row: it did, with
 * parallel workers, for fragments of a few thousand names (100–200 ms where the bitmap takes 5).
 */
function pageStatement(rank: Rank, access: Access, from: number, limit: number): string {
  if (access.ordered) {
    return `SELECT id::text AS key, uscc, name, district_code FROM ${REGISTER}
             WHERE ${access.where} ORDER BY ${rank.order} OFFSET ${from} LIMIT ${limit}`;
  }
  return `WITH matches AS MATERIALIZED (SELECT id, uscc, name, district_code FROM ${REGISTER} WHERE ${access.where})
          SELECT id::text AS key, uscc, name, district_code FROM matches ORDER BY ${rank.order} OFFSET ${from} LIMIT ${limit}`;
}

/** EXPLAIN of this with the query as $1 gives the planner's row estimate (from the gram statistics). */
export const ESTIMATE_STATEMENT = `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${REGISTER} WHERE name_grams(name) @> search_grams($1)`;

/**
 * The statements a search for `q` runs for a first page, for EXPLAIN in the benchmark: each
 * rank's count is run (by `count`) to know the room left and how to read the page, as the
 * service does.
 */
export async function searchStatements(
  q: string,
  pageSize: number,
  estimate: Estimate,
  count: (text: string, params: unknown[]) => Promise<number>,
): Promise<{ label: string; text: string; params: unknown[] }[]> {
  const statements: { label: string; text: string; params: unknown[] }[] = [];
  let counted = 0;
  for (const rank of ranksOf(q)) {
    const room = SEARCH_WINDOW - counted;
    if (room === 0) break;
    const counting = countStatement(rank, countAccess(rank, room, estimate), room);
    statements.push({ label: `${rank.match}: count`, text: counting, params: rank.params });
    const n = await count(counting, rank.params);
    const to = Math.min(pageSize - counted, n);
    if (to > 0) {
      const paging = pageStatement(rank, pageAccess(rank, to, n, room, estimate), 0, to);
      statements.push({ label: `${rank.match}: page`, text: paging, params: rank.params });
    }
    counted += n;
  }
  return statements;
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
