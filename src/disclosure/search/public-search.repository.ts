import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectReads } from '../../database/read-replicas';
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
 * The grams of the query the index looks up: all of `search_grams` (the migration's function,
 * in the database's own lower-casing), or those at `lookup` (1-based), which still every match
 * holds. A slice beyond the array (were JavaScript's lower-casing to cut the query otherwise)
 * is empty, and the condition only wider.
 */
function gramsToLookUp(lookup: number[] | undefined): string {
  if (!lookup) return 'search_grams($2)';
  return `(${lookup.map((i) => `(search_grams($2))[${i}:${i}]`).join(' || ')})`;
}

/**
 * The ranks of a query, best first (`lookup`: which of its grams the gram index looks up, see
 * {@link estimateOf}): the exact code, codes that start with it, names that start
 * with it, names that hold it elsewhere. Each rank excludes what an earlier one found, so
 * an enterprise appears once.
 */
export function ranksOf(q: string, lookup?: number[]): Rank[] {
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
    where: `name_grams(name) @> ${gramsToLookUp(lookup)} AND ${fragment}`,
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
  /** A count's walk reads at most this many names, then asks the index. */
  bound?: number;
}

/**
 * What the statistics say of a name query: `share` of the names hold its rarest gram (so at
 * most that share hold the query; for one or two characters, the share that holds it), of
 * `names`; and which grams the index should look up.
 */
export interface Estimate {
  share: number;
  names: number;
  lookup?: number[];
}

/** The frequencies of the commonest grams that ANALYZE keeps for the gram index; a gram not listed is rarer than `floor`. */
export interface GramStatistics {
  frequencies: Map<string, number>;
  floor: number;
}

/** ANALYZE's commonest grams of the gram index's expression, with the share of names holding each. */
export const GRAM_STATISTICS_STATEMENT = `SELECT most_common_elems::text::text[] AS grams, most_common_elem_freqs AS frequencies
  FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'ix_enterprises_name_grams'`;

/** The statistics from {@link GRAM_STATISTICS_STATEMENT}'s row (none before the first ANALYZE). */
export function gramStatistics(
  row: { grams: string[] | null; frequencies: number[] | null } | undefined,
): GramStatistics {
  const grams = row?.grams ?? [];
  const frequencies = row?.frequencies ?? [];
  // After the grams' frequencies, the array holds the least and the greatest of them and the share of nulls.
  return {
    frequencies: new Map(grams.map((g, i) => [g, frequencies[i]])),
    floor: grams.length > 0 ? frequencies[grams.length] : 0,
  };
}

/** The migration's `search_grams`: the lower-cased query's character if it has one, else its adjacent pairs. */
export function searchGrams(q: string): string[] {
  const chars = Array.from(q.toLowerCase());
  return chars.length === 1 ? chars : chars.slice(1).map((c, i) => chars[i] + c);
}

/**
 * A gram held by at most this share of the names is worth looking up beside the rarest: its
 * posting list is short (ten thousand entries at a million names) and narrows what the table
 * is read for. A commoner one costs more to intersect than it saves: `有限` (88 % of names) in
 * `股份有限` made the index read 60–75 ms instead of 15.
 */
const LOOKUP_SHARE = 0.01;

/**
 * The estimate for `q` from the gram statistics, with no statement: the rarest gram bounds how
 * many names hold the query (the planner instead multiplies the pairs' frequencies, as if they
 * were independent, which for three characters and more is ten times too low: `服饰有`,
 * estimated 0.17 %, is held by 3.2 %); the index looks up the rarest gram and the other rare
 * ones.
 */
export function estimateOf(q: string, statistics: GramStatistics, names: number): Estimate {
  const grams = searchGrams(q);
  const share = grams.map((g) => Math.min(statistics.frequencies.get(g) ?? statistics.floor, 1));
  const byShare = grams.map((_, i) => i).sort((a, b) => share[a] - share[b]);
  const lookup = byShare.filter((i, k) => k === 0 || share[i] <= LOOKUP_SHARE).map((i) => i + 1);
  return {
    share: share[byShare[0]] ?? 0,
    names,
    lookup: lookup.length < grams.length ? lookup.sort((a, b) => a - b) : undefined,
  };
}

/**
 * What the gram index costs, in rows walked in id order (the walk reads a name and tests it),
 * measured at 1 000 000 names on two busy cores: an entry of the matches' posting lists, and a
 * match fetched from its own table page (most outside shared buffers). A thousand matches of
 * `宏` (3.9 % of names): 37 000 entries and 1 000 fetches, 25 ms; walking to them, 26 000 rows,
 * 28 ms.
 */
const BITMAP_ENTRY = 0.4;
const BITMAP_ROW = 9;

/**
 * The most rows a page may walk when the count could not tell how many names the rank holds
 * (it stopped at the window), and the most a count expects to walk: a walk's cost is bounded,
 * the bitmap's grows with every name that holds the grams.
 */
const WALK_BUDGET = 30_000;

const walking = (rank: Rank, bound?: number): Access => ({ where: rank.walk!, ordered: true, bound });
const indexed = (rank: Rank): Access => ({ where: rank.where, ordered: !rank.walk });

/**
 * Walk or index, for counting up to `rows` matches of a name rank: walking reads about
 * `rows / share` names, the index reads the posting list of the rarest gram and fetches `rows`
 * matches. Made here because the planner underrates the walk's cost against a bitmap. The
 * share is the rarest gram's, an upper bound for three characters and more (a query whose
 * pairs are common but never together, `温州有限`, is held by none): so the walk stops after
 * twice the rows expected, and the count then asks the index (see {@link countStatement}).
 */
export function countAccess(rank: Rank, rows: number, estimate: Estimate | undefined): Access {
  if (!rank.walk || !estimate) return indexed(rank);
  const walked = rows / Math.max(estimate.share, 1e-9);
  const bitmap = BITMAP_ENTRY * estimate.share * estimate.names + BITMAP_ROW * rows;
  return walked < bitmap && walked <= WALK_BUDGET ? walking(rank, Math.ceil(2 * walked)) : indexed(rank);
}

/**
 * Walk or index, for reading the first `to` matches of a rank whose count found `n` (all of
 * them when `n < room`, else at least `n`). The count, not an estimate, decides: the walk
 * reads at most `to / n` of the names; the index fetches every match and sorts them, `n` when
 * the count saw them all, an unknown number when it stopped. So: the index when it saw them all and that costs less, the walk when it
 * stopped and its bound fits {@link WALK_BUDGET}.
 */
export function pageAccess(rank: Rank, to: number, n: number, room: number, estimate: Estimate | undefined): Access {
  if (!rank.walk || !estimate) return indexed(rank);
  const walked = (to / Math.max(n, 1)) * estimate.names;
  const walk = n < room ? walked < BITMAP_ROW * n : walked <= WALK_BUDGET;
  return walk ? walking(rank) : indexed(rank);
}

/**
 * Counts a rank's matches up to `cap`; an ordered read stops there. A bounded walk that finds
 * fewer than `cap` in its first `bound` names gives way to the index, in the same statement
 * (the second subquery runs only when the first gives nothing).
 */
function countStatement(rank: Rank, access: Access, cap: number): string {
  const order = access.ordered ? ` ORDER BY ${rank.order}` : '';
  if (!access.bound) {
    return `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${REGISTER} WHERE ${access.where}${order} LIMIT ${cap}) m`;
  }
  return `SELECT coalesce(
      (SELECT n FROM (SELECT count(*)::int AS n FROM (SELECT 1 FROM (SELECT * FROM ${REGISTER} ORDER BY id LIMIT ${access.bound}) w
                       WHERE ${access.where} LIMIT ${cap}) m) walked WHERE n = ${cap}),
      (SELECT count(*)::int FROM (SELECT 1 FROM ${REGISTER} WHERE ${rank.where} LIMIT ${cap}) m)) AS n`;
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
  for (const rank of ranksOf(q, estimate.lookup)) {
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

/** The search's statements: one per rank to count, one per rank to read a page, and the gram statistics. */
@Injectable()
export class PublicSearchRepository {
  constructor(@InjectReads() private readonly db: DataSource) {}

  /** The rank's matches, counted up to `cap`. */
  async count(rank: Rank, access: Access, cap: number): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(countStatement(rank, access, cap), rank.params);
    return n;
  }

  /** Rows `from` … `from + limit` of the rank, in its order. */
  page(rank: Rank, access: Access, from: number, limit: number): Promise<SearchRow[]> {
    return this.db.query(pageStatement(rank, access, from, limit), rank.params);
  }

  /** The gram statistics of the last ANALYZE. */
  async gramStatistics(): Promise<GramStatistics> {
    const [row]: { grams: string[] | null; frequencies: number[] | null }[] =
      await this.db.query(GRAM_STATISTICS_STATEMENT);
    return gramStatistics(row);
  }
}
