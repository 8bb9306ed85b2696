import { FieldError } from '../common/problem';

export const RECORD_TYPES = [
  'spot_check_pass',
  'spot_check_fail',
  'administrative_penalty',
  'complaint_substantiated',
  'product_recall',
  'major_quality_incident',
  'license_revoked',
  'quality_award',
  'certification',
  'famous_brand',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const SEVERITIES = ['minor', 'general', 'serious', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * The Chinese names of the record types and severities: what the pages show and what an import's
 * 记录类别 / 严重程度 cells may hold instead of the code. One source for the web layer and the import.
 */
export const RECORD_TYPE_ZH: Readonly<Record<RecordType, string>> = {
  spot_check_pass: '监督抽查合格',
  spot_check_fail: '监督抽查不合格',
  administrative_penalty: '行政处罚',
  complaint_substantiated: '投诉属实',
  product_recall: '产品召回',
  major_quality_incident: '重大质量事故',
  license_revoked: '吊销许可证',
  quality_award: '质量奖',
  certification: '认证',
  famous_brand: '知名品牌',
};

export const SEVERITY_ZH: Readonly<Record<Severity, string>> = {
  minor: '轻微',
  general: '一般',
  serious: '严重',
  critical: '特别严重',
};

export const HOTLINES = ['12315', '12365', '12369', '12312'] as const;
export type Hotline = (typeof HOTLINES)[number];

/**
 * Whether a record of this type is disclosed to the public unless the recorder says otherwise:
 * penalties, failed spot checks, recalls, incidents, revocations and awards are; complaints,
 * passed checks and certifications are not.
 */
const DISCLOSED_BY_DEFAULT: Record<RecordType, boolean> = {
  spot_check_pass: false,
  spot_check_fail: true,
  administrative_penalty: true,
  complaint_substantiated: false,
  product_recall: true,
  major_quality_incident: true,
  license_revoked: true,
  quality_award: true,
  certification: false,
  famous_brand: true,
};

export function disclosedByDefault(type: RecordType): boolean {
  return DISCLOSED_BY_DEFAULT[type];
}

/** The fields of a record as the recorder gives them (API body or CSV row), already well-formed. */
export interface RecordFacts {
  type: RecordType;
  occurredOn: string;
  hotline?: Hotline | null;
}

/**
 * The rules that tie a record's fields to each other and to its enterprise, shared by the API
 * and the bulk import: not in the future, not before the enterprise was registered, and a
 * hotline exactly for substantiated complaints.
 */
export function recordRuleErrors(facts: RecordFacts, today: string, registeredOn: string | null): FieldError[] {
  const errors: FieldError[] = [];
  if (facts.occurredOn > today) errors.push({ field: 'occurredOn', message: 'must not be in the future' });
  else if (registeredOn && facts.occurredOn < registeredOn) {
    errors.push({ field: 'occurredOn', message: `must not be before the enterprise was registered (${registeredOn})` });
  }
  const complaint = facts.type === 'complaint_substantiated';
  if (complaint && !facts.hotline)
    errors.push({ field: 'hotline', message: 'is required for a substantiated complaint' });
  if (!complaint && facts.hotline)
    errors.push({ field: 'hotline', message: 'applies to substantiated complaints only' });
  return errors;
}
