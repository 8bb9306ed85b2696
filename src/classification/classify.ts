import { RecordType, Severity } from '../records/record-rules';
import { Grade, GRADES, RecordRule, RuleSetDocument } from './rule-set';

/** A record in force (not superseded, not withdrawn), as the classifier sees it. */
export interface RecordFact {
  id: string;
  type: RecordType;
  severity: Severity | null;
  occurredOn: string;
}

export interface ClassificationFacts {
  records: RecordFact[];
  /** Blacklist entries published and not removed at the as-of date. */
  publishedBlacklistEntryIds: string[];
}

export interface Factor {
  code: string;
  description: string;
  points: number;
  recordIds: string[];
}

export interface Classification {
  grade: Grade;
  score: number;
  factors: Factor[];
  /**
   * The first date after `asOf` on which the same facts could classify differently (a record
   * leaving its window, losing full weight, or coming into force); null when none would.
   * Until then a recompute with unchanged facts and rule set may skip this enterprise.
   */
  recheckOn: string | null;
}

const sums = new Map<number, Map<string, string>>();

/**
 * `date` (YYYY-MM-DD) plus `months`, the day clamped to the month's end. Memoised: a full
 * recompute asks it of a few thousand dates (five years of days, a handful of windows) tens of
 * millions of times, and computing it through Date was a third of the classifier's time.
 */
export function addMonths(date: string, months: number): string {
  let byDate = sums.get(months);
  if (!byDate) sums.set(months, (byDate = new Map()));
  let sum = byDate.get(date);
  if (sum === undefined) {
    if (byDate.size > 100_000) byDate.clear();
    byDate.set(date, (sum = computeAddMonths(date, months)));
  }
  return sum;
}

function computeAddMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

const worse = (a: Grade, b: Grade): Grade => (GRADES.indexOf(a) >= GRADES.indexOf(b) ? a : b);

const DAY_MS = 86_400_000;
const cutoffs = new Map<string, Map<number, string>>();

/**
 * The first date whose record still counts on `asOf` under a window of `months`: the smallest
 * `d` with `addMonths(d, months) > asOf` (monotone in `d`, so comparing dates with it is the
 * same test). Memoised: a full recompute asks for a handful of windows on one date millions of
 * times.
 */
export function countsFrom(asOf: string, months: number): string {
  let byMonths = cutoffs.get(asOf);
  if (!byMonths) {
    if (cutoffs.size > 1_000) cutoffs.clear();
    cutoffs.set(asOf, (byMonths = new Map()));
  }
  let from = byMonths.get(months);
  if (from === undefined) {
    // addMonths(addMonths(asOf, -months), months) <= asOf, so walk forward from there.
    let day = new Date(`${addMonths(asOf, -months)}T00:00:00Z`).getTime();
    while (addMonths(new Date(day).toISOString().slice(0, 10), months) <= asOf) day += DAY_MS;
    from = new Date(day).toISOString().slice(0, 10);
    byMonths.set(months, from);
  }
  return from;
}

/** Which records can bear on a classification: see relevantRecords. */
export interface RelevantRecords {
  asOf: string;
  /** The record types the rule set counts, and for each the first date one of it can count from. */
  types: string[];
  since: string[];
}

/**
 * The records that can bear on a classification on `asOf` under `ruleSet`: those of a type it
 * counts, from the start of that type's longest window (of its record rule and of the hard rules
 * naming it), and any not in force yet (one coming into force sets the recheck date). classify
 * reads nothing else of a record, so leaving the others unread changes none of its results; a
 * full recompute, where some 40 % of five years' records lie beyond their type's window, reads
 * and parses that much less.
 */
export function relevantRecords(ruleSet: RuleSetDocument, asOf: string): RelevantRecords {
  const longest = new Map<string, number>();
  const widen = (type: string, months: number) => longest.set(type, Math.max(longest.get(type) ?? 0, months));
  for (const [type, rule] of Object.entries(ruleSet.records) as [string, RecordRule][]) widen(type, rule.windowMonths);
  for (const rule of ruleSet.hardRules)
    if ('recordType' in rule.when) widen(rule.when.recordType, rule.when.withinMonths);
  const types = [...longest.keys()];
  return { asOf, types, since: types.map((type) => countsFrom(asOf, longest.get(type)!)) };
}

/** Whether `record` is among the relevant ones (the test the recompute's SQL makes). */
export function isRelevant(record: RecordFact, relevant: RelevantRecords): boolean {
  const i = relevant.types.indexOf(record.type);
  return record.occurredOn > relevant.asOf || (i >= 0 && record.occurredOn >= relevant.since[i]);
}

const sortedRules = new WeakMap<RuleSetDocument, [string, RecordRule][]>();

/**
 * The one place a grade is decided: facts, a rule set and a date in, grade, score and the
 * factors that produced them out. Pure: no clock, no I/O, and the order of the records does not
 * matter (points are summed in hundredths, as integers). Used by the incremental job, the full
 * recompute, the dry run and the explanation endpoint alike.
 */
export function classify(facts: ClassificationFacts, ruleSet: RuleSetDocument, asOf: string): Classification {
  const byType = new Map<string, RecordFact[]>();
  for (const record of facts.records) {
    if (record.occurredOn > asOf) continue;
    const list = byType.get(record.type);
    if (list) list.push(record);
    else byType.set(record.type, [record]);
  }
  // addMonths is monotone, so the earliest record of a group is the first to cross its boundary.
  let recheckOn: string | null = null;
  const crossesOn = (records: RecordFact[], months: number) => {
    if (!records.length) return;
    const on = addMonths(
      records.reduce((a, r) => (r.occurredOn < a ? r.occurredOn : a), records[0].occurredOn),
      months,
    );
    if (recheckOn === null || on < recheckOn) recheckOn = on;
  };
  for (const record of facts.records) {
    if (record.occurredOn > asOf && (recheckOn === null || record.occurredOn < recheckOn))
      recheckOn = record.occurredOn;
  }
  const within = (type: string, months: number) => {
    const from = countsFrom(asOf, months);
    const counted = (byType.get(type) ?? []).filter((r) => r.occurredOn >= from);
    crossesOn(counted, months);
    return counted;
  };

  let rules = sortedRules.get(ruleSet);
  if (!rules) {
    rules = (Object.entries(ruleSet.records) as [string, RecordRule][]).sort(([a], [b]) => a.localeCompare(b));
    sortedRules.set(ruleSet, rules);
  }
  const fullWeightFrom = countsFrom(asOf, ruleSet.decay.fullWeightMonths);
  const factors: Factor[] = [];
  let hundredths = Math.round(ruleSet.baseScore * 100);
  for (const [type, rule] of rules) {
    const counted = within(type, rule.windowMonths);
    if (!counted.length) continue;
    crossesOn(
      counted.filter((r) => r.occurredOn >= fullWeightFrom),
      ruleSet.decay.fullWeightMonths,
    );
    let sum = 0;
    for (const record of counted) {
      const points = rule.points[record.severity ?? 'default'] ?? rule.points.default ?? 0;
      const weight = record.occurredOn >= fullWeightFrom ? 1 : ruleSet.decay.laterWeight;
      sum += Math.round(points * 100 * weight);
    }
    if (rule.cap !== undefined) sum = Math.max(-rule.cap * 100, Math.min(rule.cap * 100, sum));
    hundredths += sum;
    factors.push({
      code: `record.${type}`,
      description: `${counted.length} ${type} record(s) within ${rule.windowMonths} months`,
      points: sum / 100,
      recordIds: counted.map((r) => r.id).sort(),
    });
  }
  const score = hundredths / 100;
  const { A, B, C } = ruleSet.thresholds;
  const byScore: Grade = score >= A ? 'A' : score >= B ? 'B' : score >= C ? 'C' : 'D';

  // Hard rules: `grade` replaces the score's grade (the worst forced one wins); `atBest` caps.
  const hard: Factor[] = [];
  let forced: Grade | null = null;
  let cap: Grade = 'A';
  for (const rule of ruleSet.hardRules) {
    let ids: string[] | null = null;
    if ('blacklistPublished' in rule.when) {
      if (facts.publishedBlacklistEntryIds.length) ids = [...facts.publishedBlacklistEntryIds].sort();
    } else {
      const hits = within(rule.when.recordType, rule.when.withinMonths);
      if (hits.length) ids = hits.map((r) => r.id).sort();
    }
    if (!ids) continue;
    if (rule.grade) forced = forced ? worse(forced, rule.grade) : rule.grade;
    if (rule.atBest) cap = worse(cap, rule.atBest);
    hard.push({ code: `hard.${rule.code}`, description: rule.description, points: 0, recordIds: ids });
  }
  return { grade: worse(forced ?? byScore, cap), score, factors: [...hard, ...factors], recheckOn };
}
