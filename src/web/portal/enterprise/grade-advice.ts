import { addMonths } from '../../../classification/classify';
import { Grade, GRADES, RuleSetDocument } from '../../../classification/rule-set';
import type { ProblemText } from '../../../common/problem';
import { RECORD_TYPES, RecordType } from '../../../records/record-rules';
import { LABELS } from '../../i18n';

/** What would raise a grade, one point of advice; `kind` groups them on the page. */
export interface GradeAdvice {
  kind: 'hard' | 'score' | 'gain' | 'ease';
  text: ProblemText;
}

export interface AdviceInput {
  grade: Grade;
  score: number;
  factors: { code: string; points: number; recordIds: string[] }[];
  ruleSet: RuleSetDocument;
  /** When each record behind the factors occurred (YYYY-MM-DD). */
  recordDates: ReadonlyMap<string, string>;
}

const typeName = (type: string): ProblemText => ({ zh: LABELS.zh[type] ?? type, en: LABELS.en[type] ?? type });
const round = (n: number) => Math.round(n * 100) / 100;
/** A rule's points for a record of ordinary weight: its `default`, else its mildest severity's. */
function typicalPoints(points: Partial<Record<string, number>>): number {
  if (points.default !== undefined) return points.default;
  const values = Object.values(points).filter((p): p is number => p !== undefined);
  return values.reduce((a, p) => (Math.abs(p) < Math.abs(a) ? p : a), values[0] ?? 0);
}

/**
 * What would raise the grade, read from the rule set that grades it (never fixed text): the hard
 * rules in force and when each stops applying, the points to the next grade's threshold, the
 * kinds of record that add points (and how much room their caps leave), and when the records
 * that take points away lose weight and stop counting. Pure, for the enterprise's own page.
 */
export function gradeAdvice(input: AdviceInput): GradeAdvice[] {
  const { ruleSet, score, factors } = input;
  const { fullWeightMonths, laterWeight } = ruleSet.decay;
  const advice: GradeAdvice[] = [];
  const latest = (ids: string[]) =>
    ids
      .map((id) => input.recordDates.get(id))
      .filter((d): d is string => !!d)
      .sort()
      .pop();
  const earliest = (ids: string[]) =>
    ids
      .map((id) => input.recordDates.get(id))
      .filter((d): d is string => !!d)
      .sort()[0];

  for (const factor of factors.filter((f) => f.code.startsWith('hard.'))) {
    const rule = ruleSet.hardRules.find((r) => `hard.${r.code}` === factor.code);
    if (!rule) continue;
    const effect = rule.grade
      ? { zh: `评为 ${rule.grade} 级`, en: `graded ${rule.grade}` }
      : { zh: `最高评为 ${rule.atBest} 级`, en: `at best ${rule.atBest}` };
    if ('blacklistPublished' in rule.when) {
      advice.push({
        kind: 'hard',
        text: {
          zh: `列入公示的严重失信名单期间${effect.zh}，与得分无关。自可申请修复之日起可在“黑名单事项”中申请信用修复；准予修复或期满移出后，按得分评级。`,
          en: `While on the published blacklist the enterprise is ${effect.en}, whatever its score. From the earliest repair date it may apply for credit repair under Blacklist entries; once repaired or expired, the score decides.`,
        },
      });
      continue;
    }
    const last = latest(factor.recordIds);
    const until = last ? addMonths(last, rule.when.withinMonths) : null;
    const type = typeName(rule.when.recordType);
    advice.push({
      kind: 'hard',
      text: {
        zh: `${rule.when.withinMonths} 个月内有“${type.zh}”记录的，${effect.zh}${until ? `；按现有记录，自 ${until} 起不再适用此项` : ''}。`,
        en: `With a "${type.en}" record within ${rule.when.withinMonths} months the enterprise is ${effect.en}${until ? `; with the records as they are, this ends on ${until}` : ''}.`,
      },
    });
  }

  const { A, B, C } = ruleSet.thresholds;
  const byScore: Grade = score >= A ? 'A' : score >= B ? 'B' : score >= C ? 'C' : 'D';
  const threshold: Record<Exclude<Grade, 'D'>, number> = { A, B, C };
  const better = GRADES[GRADES.indexOf(byScore) - 1] as Exclude<Grade, 'D'> | undefined;
  if (better) {
    const need = round(threshold[better] - score);
    advice.push({
      kind: 'score',
      text: {
        zh: `现得分 ${score}（基础分 ${ruleSet.baseScore}）。${better} 级需 ${threshold[better]} 分以上，还差 ${need} 分。`,
        en: `The score is ${score} (base ${ruleSet.baseScore}). Grade ${better} needs ${threshold[better]} or more: ${need} to go.`,
      },
    });
  } else {
    advice.push({
      kind: 'score',
      text: {
        zh: `现得分 ${score}，已达 A 级分数线（${A} 分）。`,
        en: `The score is ${score}, at or above grade A's threshold (${A}).`,
      },
    });
  }

  const pointsOf = new Map(factors.map((f) => [f.code, f]));
  for (const type of RECORD_TYPES) {
    const rule = ruleSet.records[type as RecordType];
    if (!rule) continue;
    const per = typicalPoints(rule.points);
    if (per <= 0) continue;
    const name = typeName(type);
    const factor = pointsOf.get(`record.${type}`);
    const now = factor?.points ?? 0;
    const room = rule.cap !== undefined ? round(rule.cap - now) : null;
    // Fewer points than the records' full weight (under the cap): older records count less.
    const fullWeight = (factor?.recordIds.length ?? 0) * per;
    const reduced = now > 0 && laterWeight < 1 && now < Math.min(fullWeight, rule.cap ?? Infinity);
    const why = reduced
      ? {
          zh: `；满 ${fullWeightMonths} 个月的记录按 ${round(laterWeight * 100)}% 计分`,
          en: `; records older than ${fullWeightMonths} months count at ${round(laterWeight * 100)}%`,
        }
      : { zh: '', en: '' };
    const capText =
      room === null
        ? reduced
          ? { zh: `（现已 +${now}${why.zh}）`, en: ` (now +${now}${why.en})` }
          : { zh: '', en: '' }
        : now === 0
          ? { zh: `，合计最多 +${rule.cap} 分`, en: `, up to +${rule.cap} in all` }
          : room > 0
            ? {
                zh: `，合计最多 +${rule.cap} 分（现已 +${now}，还可 +${room}${why.zh}）`,
                en: `, up to +${rule.cap} in all (now +${now}, room for +${room}${why.en})`,
              }
            : { zh: `，合计最多 +${rule.cap} 分（已达上限）`, en: `, up to +${rule.cap} in all (reached)` };
    advice.push({
      kind: 'gain',
      text: {
        zh: `${name.zh}：每项 +${per} 分，${rule.windowMonths} 个月内计分${capText.zh}。`,
        en: `${name.en}: +${per} each, counted for ${rule.windowMonths} months${capText.en}.`,
      },
    });
  }

  for (const factor of factors.filter((f) => f.code.startsWith('record.') && f.points < 0)) {
    const type = factor.code.slice('record.'.length) as RecordType;
    const rule = ruleSet.records[type];
    const first = earliest(factor.recordIds);
    if (!rule || !first) continue;
    const name = typeName(type);
    const halves = addMonths(first, fullWeightMonths);
    const ends = addMonths(first, rule.windowMonths);
    advice.push({
      kind: 'ease',
      text: {
        zh: `${name.zh}（${factor.points} 分）：每条记录满 ${fullWeightMonths} 个月后按 ${round(laterWeight * 100)}% 计分，满 ${rule.windowMonths} 个月后不再计分；最早一条自 ${halves} 起减轻，${ends} 起不再计分。`,
        en: `${name.en} (${factor.points}): each record counts at ${round(laterWeight * 100)}% after ${fullWeightMonths} months and stops counting after ${rule.windowMonths}; the earliest eases from ${halves} and stops on ${ends}.`,
      },
    });
  }
  return advice;
}
