import { RECORD_TYPES, RecordType } from '../records/record-rules';
import type { ProblemText } from '../common/problem';

/** A text in Chinese and English: the one bilingual shape, as problems carry theirs. */
export type FactorLabel = ProblemText;

/** What each kind of record does to the score, as the grade's explanation names it (`record.<type>`). */
const RECORD_FACTORS: Record<RecordType, FactorLabel> = {
  spot_check_pass: { zh: '监督抽查合格（加分）', en: 'Spot checks passed (adds points)' },
  spot_check_fail: { zh: '监督抽查不合格（扣分）', en: 'Spot checks failed (takes points)' },
  administrative_penalty: { zh: '行政处罚（扣分）', en: 'Administrative penalties (takes points)' },
  complaint_substantiated: { zh: '投诉属实（扣分）', en: 'Substantiated complaints (takes points)' },
  product_recall: { zh: '产品召回（扣分）', en: 'Product recalls (takes points)' },
  major_quality_incident: { zh: '重大质量事故（扣分）', en: 'Major quality incidents (takes points)' },
  license_revoked: { zh: '吊销许可证（扣分）', en: 'Licences revoked (takes points)' },
  quality_award: { zh: '获得质量奖（加分）', en: 'Quality awards (adds points)' },
  certification: { zh: '通过认证（加分）', en: 'Certifications (adds points)' },
  famous_brand: { zh: '知名品牌（加分）', en: 'Famous brands (adds points)' },
};

/** The hard rules of the rule sets (`hard.<code>`): they set or cap the grade whatever the score. */
const HARD_FACTORS: Record<string, FactorLabel> = {
  blacklisted: {
    zh: '已列入公示的严重质量失信名单（黑名单），直接评为 D 失信',
    en: 'On the published quality blacklist: graded D whatever the score',
  },
  license_revoked: {
    zh: '近 36 个月内被吊销许可证，直接评为 D 失信',
    en: 'Licence revoked within the last 36 months: graded D',
  },
  major_quality_incident: {
    zh: '近 12 个月内发生重大质量事故，最高评为 C 警示',
    en: 'Major quality incident within the last 12 months: at best C',
  },
};

/**
 * The name of a factor of the classifier's explanation (`classify`'s `Factor.code`) in both
 * languages; a hard rule a later rule set adds without a label here is named by its code and
 * the rule set's own description.
 */
export function factorLabel(code: string, description = ''): FactorLabel {
  const [kind, name] = code.split('.', 2) as [string, string | undefined];
  if (kind === 'record' && name && (RECORD_TYPES as readonly string[]).includes(name)) {
    return RECORD_FACTORS[name as RecordType];
  }
  if (kind === 'hard' && name && HARD_FACTORS[name]) return HARD_FACTORS[name];
  const text = description ? `${code}: ${description}` : code;
  return { zh: text, en: text };
}

/** Every label, for docs and tests: `record.<type>` and `hard.<code>` → label. */
export const FACTOR_LABELS: Readonly<Record<string, FactorLabel>> = Object.fromEntries([
  ...Object.entries(RECORD_FACTORS).map(([type, label]) => [`record.${type}`, label]),
  ...Object.entries(HARD_FACTORS).map(([code, label]) => [`hard.${code}`, label]),
]);
