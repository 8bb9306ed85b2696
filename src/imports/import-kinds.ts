import { FieldError } from '../common/problem';
import { checkUscc } from '../common/uscc';
import {
  HOTLINES,
  RECORD_TYPES,
  recordRuleErrors,
  SEVERITIES,
  disclosedByDefault,
  RecordType,
  Hotline,
  RECORD_TYPE_ZH,
  SEVERITY_ZH,
} from '../records/record-rules';
import { isIsoDate, normalDate, yesNo } from './csv';

export const IMPORT_KINDS = ['records', 'enterprises'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** `all-or-nothing` rejects the whole file if any row is bad. */
export const IMPORT_MODES = ['partial', 'all-or-nothing'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export interface RowContext {
  /** Today, YYYY-MM-DD, from the application clock. */
  today: string;
  /** Allow-listed legacy codes (small; loaded once per import). */
  allowedCodes: ReadonlySet<string>;
}

export type RowResult = { values: (string | null)[] } | { errors: FieldError[] };

/**
 * What a CSV of one kind holds: its columns (the API's field names) and how one row is checked on
 * its own, giving the values in the order of the kind's staging table (src/imports/imports.repository.ts).
 * Checks that need the database (known enterprise, district, duplicates) and the merge run
 * set-based afterwards.
 */
export interface ImportKindSpec {
  columns: readonly string[];
  /** The Chinese header of each column, accepted in a file's header row as the column's name. */
  headers: Readonly<Record<string, string>>;
  required: readonly string[];
  parse(row: Record<string, string>, context: RowContext): RowResult;
}

const ENUM = (values: readonly string[]) => `must be one of ${values.join(', ')}`;

function usccOf(raw: string, context: RowContext, errors: FieldError[]): string {
  const check = checkUscc(raw);
  const checksumOnly = !check.valid && (check.failure === 'organisation-code' || check.failure === 'check-character');
  if (!check.valid && !(checksumOnly && context.allowedCodes.has(check.uscc))) {
    errors.push({ field: 'uscc', message: check.message });
  }
  return check.uscc;
}

/** The trimmed cell, or null when empty (an error when the column is required). */
function cell(row: Record<string, string>, field: string, errors: FieldError[], required: boolean): string | null {
  const value = (row[field] ?? '').trim();
  if (value === '' && required) errors.push({ field, message: 'is required' });
  return value === '' ? null : value;
}

function text(
  row: Record<string, string>,
  field: string,
  max: number,
  errors: FieldError[],
  required = true,
): string | null {
  const value = cell(row, field, errors, required);
  if (value !== null && value.length > max) errors.push({ field, message: `must be at most ${max} characters` });
  return value;
}

function date(
  row: Record<string, string>,
  field: string,
  today: string,
  errors: FieldError[],
  required = true,
): string | null {
  const given = cell(row, field, errors, required);
  if (given === null) return null;
  const value = normalDate(given);
  if (value === null || !isIsoDate(value)) errors.push({ field, message: 'must be a date YYYY-MM-DD' });
  else if (value > today) errors.push({ field, message: 'must not be in the future' });
  return value ?? given;
}

/** Code by Chinese label (监督抽查不合格 → spot_check_fail): a cell may hold either. */
const byLabel = <T extends string>(labels: Readonly<Record<T, string>>) =>
  new Map<string, T>(Object.entries(labels).map(([code, label]) => [label as string, code as T]));
const TYPE_BY_LABEL = byLabel(RECORD_TYPE_ZH);
const SEVERITY_BY_LABEL = byLabel(SEVERITY_ZH);

/** The code in a cell holding a code or its label; the cell as it is when it is neither. */
function code(raw: string | undefined, codes: readonly string[], labels: Map<string, string>): string {
  const value = (raw ?? '').trim();
  return codes.includes(value) ? value : (labels.get(value) ?? value);
}

export const RECORDS: ImportKindSpec = {
  columns: ['uscc', 'type', 'occurredOn', 'documentNo', 'summary', 'severity', 'hotline', 'disclosed'],
  headers: {
    uscc: '统一社会信用代码',
    type: '记录类别',
    occurredOn: '发生日期',
    documentNo: '文号',
    summary: '摘要',
    severity: '严重程度',
    hotline: '投诉热线',
    disclosed: '是否公开',
  },
  required: ['uscc', 'type', 'occurredOn', 'documentNo', 'summary'],
  parse(row, context) {
    const errors: FieldError[] = [];
    const uscc = usccOf(row.uscc ?? '', context, errors);
    const type = code(row.type, RECORD_TYPES, TYPE_BY_LABEL);
    if (!(RECORD_TYPES as readonly string[]).includes(type))
      errors.push({ field: 'type', message: ENUM(RECORD_TYPES) });
    const occurredOn = date(row, 'occurredOn', '9999-12-31', errors);
    const documentNo = text(row, 'documentNo', 100, errors);
    const summary = text(row, 'summary', 2000, errors);
    const severity = code(row.severity, SEVERITIES, SEVERITY_BY_LABEL) || null;
    if (severity && !(SEVERITIES as readonly string[]).includes(severity))
      errors.push({ field: 'severity', message: ENUM(SEVERITIES) });
    const hotline = (row.hotline ?? '').trim() || null;
    if (hotline && !(HOTLINES as readonly string[]).includes(hotline))
      errors.push({ field: 'hotline', message: ENUM(HOTLINES) });
    const disclosedText = (row.disclosed ?? '').trim();
    const disclosedGiven = disclosedText ? yesNo(disclosedText) : null;
    if (disclosedText && disclosedGiven === null) {
      errors.push({ field: 'disclosed', message: 'must be true, false or empty (the default for the type)' });
    }
    if (errors.length === 0) {
      errors.push(
        ...recordRuleErrors(
          { type: type as RecordType, occurredOn: occurredOn!, hotline: hotline as Hotline | null },
          context.today,
          null,
        ),
      );
    }
    if (errors.length) return { errors };
    const disclosed = disclosedGiven ?? disclosedByDefault(type as RecordType);
    return { values: [uscc, type, occurredOn, documentNo, summary, severity, hotline, String(disclosed)] };
  },
};

export const ENTERPRISES: ImportKindSpec = {
  columns: ['uscc', 'name', 'districtCode', 'industryCode', 'legalRepresentative', 'address', 'registeredOn'],
  headers: {
    uscc: '统一社会信用代码',
    name: '企业名称',
    districtCode: '区县代码',
    industryCode: '行业代码',
    legalRepresentative: '法定代表人',
    address: '住所',
    registeredOn: '成立日期',
  },
  required: ['uscc', 'name', 'districtCode'],
  parse(row, context) {
    const errors: FieldError[] = [];
    const uscc = usccOf(row.uscc ?? '', context, errors);
    const name = text(row, 'name', 200, errors);
    const districtCode = (row.districtCode ?? '').trim();
    if (!/^\d{6}$/.test(districtCode))
      errors.push({ field: 'districtCode', message: 'must be a 6-digit district code' });
    const industryCode = (row.industryCode ?? '').trim() || null;
    if (industryCode && !/^[A-T](\d{2,4})?$/.test(industryCode)) {
      errors.push({ field: 'industryCode', message: 'must be a GB/T 4754 code such as C or C3443' });
    }
    const legalRepresentative = text(row, 'legalRepresentative', 100, errors, false);
    const address = text(row, 'address', 300, errors, false);
    const registeredOn = date(row, 'registeredOn', context.today, errors, false);
    if (errors.length) return { errors };
    return { values: [uscc, name, districtCode, industryCode, legalRepresentative, address, registeredOn] };
  },
};

export const IMPORT_SPECS: Record<ImportKind, ImportKindSpec> = { records: RECORDS, enterprises: ENTERPRISES };
