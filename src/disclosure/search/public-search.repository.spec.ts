import { countAccess, estimateOf, gramStatistics, pageAccess, ranksOf, searchGrams } from './public-search.repository';

/** Statistics as ANALYZE keeps them at a million names (frequencies, then least, greatest, nulls). */
const statistics = gramStatistics({
  grams: ['公', '有限', '股份', '份有', '服饰', '饰有', '恒', '鑫洋'],
  frequencies: [0.88, 0.88, 0.126, 0.126, 0.052, 0.032, 0.028, 0.0008, 0.0008, 0.88, 0],
});
const NAMES = 1_000_000;
const nameRank = (q: string) => ranksOf(q, estimateOf(q, statistics, NAMES).lookup).find((r) => r.match === 'name')!;

describe('the public search plan', () => {
  it('cuts a query into grams as the migration’s search_grams does', () => {
    expect(searchGrams('恒')).toEqual(['恒']);
    expect(searchGrams('股份有限')).toEqual(['股份', '份有', '有限']);
    expect(searchGrams('AbC')).toEqual(['ab', 'bc']);
  });

  it('bounds the share by the rarest gram and looks up only the rare grams', () => {
    expect(estimateOf('股份有限', statistics, NAMES)).toEqual({ share: 0.126, names: NAMES, lookup: [1] });
    // A gram not listed is rarer than the least listed; both rare ones are looked up.
    expect(estimateOf('州鑫洋', statistics, NAMES)).toEqual({ share: 0.0008, names: NAMES, lookup: undefined });
    expect(estimateOf('服饰有', statistics, NAMES)).toEqual({ share: 0.032, names: NAMES, lookup: [2] });
    expect(nameRank('股份有限').where).toContain('name_grams(name) @> ((search_grams($2))[1:1])');
    expect(nameRank('州鑫洋').where).toContain('name_grams(name) @> search_grams($2)');
  });

  it('walks a common fragment’s count, with a bound, and counts a rare one with the index', () => {
    const common = nameRank('公');
    expect(countAccess(common, 1000, estimateOf('公', statistics, NAMES))).toEqual({
      where: common.walk,
      ordered: true,
      bound: 2273,
    });
    const rare = nameRank('恒');
    expect(countAccess(rare, 1000, estimateOf('恒', statistics, NAMES))).toEqual({ where: rare.where, ordered: false });
  });

  it('reads a page through the index when the count saw every match, else walks within the budget', () => {
    const rank = nameRank('恒');
    const estimate = estimateOf('恒', statistics, NAMES);
    expect(pageAccess(rank, 20, 300, 1000, estimate).ordered).toBe(false);
    expect(pageAccess(rank, 20, 1000, 1000, estimate)).toEqual({ where: rank.walk, ordered: true, bound: undefined });
    // Deep in the window, the walk would read most of the names: the index.
    expect(pageAccess(rank, 1000, 1000, 1000, estimate).ordered).toBe(false);
  });

  it('leaves the code ranks and the name-prefix rank to their indexes', () => {
    const ranks = ranksOf('913303');
    expect(ranks.map((r) => r.match)).toEqual(['code-prefix', 'name-prefix', 'name']);
    expect(countAccess(ranks[0], 1000, undefined)).toEqual({ where: 'uscc LIKE $1', ordered: true });
  });
});
