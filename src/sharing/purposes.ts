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
