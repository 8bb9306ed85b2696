import { beijingDate } from '../common/clock';
import { GRADES, Grade, RecordRule, RuleSetDocument } from '../classification/rule-set';
import { RECORD_TYPES, SEVERITIES } from '../records/record-rules';
import { GUIDES_TEXT } from './guides.text';
import { DICTIONARIES, format, LABELS, Lang } from './i18n';

/** The standard in force as the guide reads it. */
export interface GuideRuleSet {
  version: number;
  document: RuleSetDocument;
  activatedAt: Date | null;
}

/** One record type's row: how many points each record gives or takes, for how long, up to what. */
export interface GuideRecordRow {
  type: string;
  points: string;
  window: string;
  cap: string;
}

export interface GuideGradeRow {
  grade: Grade;
  label: string;
  score: string;
  meaning: string;
}

/** 分类标准说明, every figure read from the rule set, every sentence in the page's language. */
export interface StandardGuide {
  name: string;
  version: number;
  /** Beijing date it came into force, when known. */
  since: string | null;
  baseScore: number;
  fullWeightMonths: number;
  gains: GuideRecordRow[];
  losses: GuideRecordRow[];
  hasCaps: boolean;
  decay: string;
  grades: GuideGradeRow[];
  hardRules: { when: string; effect: string }[];
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The rule set's name in this language: documents name themselves `中文 · English`. */
export function ruleSetName(name: string, lang: Lang): string {
  const parts = name.split(' · ');
  if (parts.length < 2) return name;
  return lang === 'zh' ? parts[0] : parts.slice(1).join(' · ');
}

/** Whether a type's records add points: its points are mostly gains. */
const adds = (rule: RecordRule) =>
  Object.values(rule.points).reduce<number>((sum, p) => sum + Math.sign(p ?? 0), 0) > 0;

/**
 * The standard in readable sentences, from the rule set alone: the base score, each record
 * type's points (by severity where it has them), its counting period and cap, how older records
 * weigh less, the thresholds and the hard rules. Pure: the page prints what this returns.
 */
export function standardGuide(ruleSet: GuideRuleSet, lang: Lang): StandardGuide {
  const g = GUIDES_TEXT[lang];
  const t = DICTIONARIES[lang];
  const label = (code: string) => LABELS[lang][code] ?? code;
  const doc = ruleSet.document;
  const signed = (p: number) => format(p >= 0 ? g.pointsGain : g.pointsLoss, { n: round(Math.abs(p)) });

  const row = (type: string, rule: RecordRule, gain: boolean): GuideRecordRow => {
    const bySeverity = SEVERITIES.filter((s) => rule.points[s] !== undefined).map((s) =>
      format(g.pointsBySeverity, { severity: label(s), points: signed(rule.points[s]!) }),
    );
    const fallback = rule.points.default;
    const points = bySeverity.length
      ? [
          ...bySeverity,
          ...(fallback !== undefined ? [format(g.pointsUnstated, { points: signed(fallback) })] : []),
        ].join(g.listSeparator)
      : signed(fallback ?? 0);
    return {
      type: label(type),
      points,
      window: format(g.months, { n: rule.windowMonths }),
      cap: rule.cap === undefined ? g.noCap : format(gain ? g.capGain : g.capLoss, { n: round(rule.cap) }),
    };
  };
  const gains: GuideRecordRow[] = [];
  const losses: GuideRecordRow[] = [];
  for (const type of RECORD_TYPES) {
    const rule = doc.records[type];
    if (!rule) continue;
    const gain = adds(rule);
    (gain ? gains : losses).push(row(type, rule, gain));
  }

  const { fullWeightMonths, laterWeight } = doc.decay;
  const decay =
    laterWeight >= 1
      ? g.decayNone
      : laterWeight <= 0
        ? format(g.decayDropped, { full: fullWeightMonths })
        : format(g.decayText, { full: fullWeightMonths, percent: round(laterWeight * 100) });

  const { A, B, C } = doc.thresholds;
  const scores: Record<Grade, string> = {
    A: format(g.scoreA, { a: A }),
    B: format(g.scoreBelow, { low: B, high: A }),
    C: format(g.scoreBelow, { low: C, high: B }),
    D: format(g.scoreD, { c: C }),
  };
  const gradeLabel = (grade: Grade) => t[`grade${grade}`];
  const grades = GRADES.map((grade) => ({
    grade,
    label: gradeLabel(grade),
    score: scores[grade],
    meaning: t[`gradeMeaning${grade}`],
  }));

  const hardRules = doc.hardRules.map((rule) => ({
    when:
      'blacklistPublished' in rule.when
        ? g.hardBlacklisted
        : format(g.hardRecord, { months: rule.when.withinMonths, type: label(rule.when.recordType) }),
    effect: [
      ...(rule.grade ? [format(g.hardForce, { grade: gradeLabel(rule.grade) })] : []),
      ...(rule.atBest ? [format(g.hardAtBest, { grade: gradeLabel(rule.atBest) })] : []),
    ].join(g.listSeparator),
  }));

  return {
    name: ruleSetName(doc.name, lang),
    version: ruleSet.version,
    since: ruleSet.activatedAt ? beijingDate(new Date(ruleSet.activatedAt)) : null,
    baseScore: doc.baseScore,
    fullWeightMonths,
    gains,
    losses,
    hasCaps: Object.values(doc.records).some((r) => r?.cap !== undefined),
    decay,
    grades,
    hardRules,
  };
}
