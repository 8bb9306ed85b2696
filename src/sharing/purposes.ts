/** Why an institution asks (API.md, "Institution status calls require a purpose"). */
export const PURPOSES = [
  'loan_application',
  'loan_review',
  'tax_assessment',
  'tax_incentive',
  'procurement',
  'other',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Each purpose as a person reads it, in Chinese and in English (the query forms, the query logs). */
export const PURPOSE_TEXT: Readonly<Record<'zh' | 'en', Readonly<Record<Purpose, string>>>> = {
  zh: {
    loan_application: '贷款申请',
    loan_review: '贷后检查',
    tax_assessment: '纳税评估',
    tax_incentive: '税收优惠审核',
    procurement: '政府采购',
    other: '其他',
  },
  en: {
    loan_application: 'loan application',
    loan_review: 'loan review',
    tax_assessment: 'tax assessment',
    tax_incentive: 'tax incentive',
    procurement: 'procurement',
    other: 'other',
  },
};

/** The purposes' words as page strings: `purpose_loan_application` → 贷款申请. */
export function purposeStrings(lang: 'zh' | 'en'): Record<`purpose_${Purpose}`, string> {
  return Object.fromEntries(PURPOSES.map((p) => [`purpose_${p}`, PURPOSE_TEXT[lang][p]])) as Record<
    `purpose_${Purpose}`,
    string
  >;
}
