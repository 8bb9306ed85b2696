import Ajv, { ErrorObject } from 'ajv';
import { FieldError } from '../common/problem';
import { RECORD_TYPES, RecordType, Severity, SEVERITIES } from '../records/record-rules';

export const GRADES = ['A', 'B', 'C', 'D'] as const;
export type Grade = (typeof GRADES)[number];

/** How one record type counts: points by severity (or `default`), for how long, and a cap on its total. */
export interface RecordRule {
  points: Partial<Record<Severity | 'default', number>>;
  windowMonths: number;
  /** Largest total gain (positive types) or loss (negative types, as a positive number) of this type. */
  cap?: number;
}

export type HardRule =
  | { code: string; description: string; when: { blacklistPublished: true }; grade?: Grade; atBest?: Grade }
  | {
      code: string;
      description: string;
      when: { recordType: RecordType; withinMonths: number };
      grade?: Grade;
      atBest?: Grade;
    };

/** The classification standard (质量信用分类评价标准): a versioned JSON document. */
export interface RuleSetDocument {
  name: string;
  baseScore: number;
  records: Partial<Record<RecordType, RecordRule>>;
  /** Records count fully for `fullWeightMonths`, then with `laterWeight`, until their window ends. */
  decay: { fullWeightMonths: number; laterWeight: number };
  /** Lowest score for each grade; below C is D. */
  thresholds: { A: number; B: number; C: number };
  /** Evaluated first: `grade` forces a grade, `atBest` caps it (no better than). */
  hardRules: HardRule[];
}

const points = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: Object.fromEntries(
    [...SEVERITIES, 'default'].map((s) => [s, { type: 'number', minimum: -1000, maximum: 1000 }]),
  ),
};

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'baseScore', 'records', 'decay', 'thresholds', 'hardRules'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    baseScore: { type: 'number', minimum: 0, maximum: 1000 },
    records: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        RECORD_TYPES.map((t) => [
          t,
          {
            type: 'object',
            additionalProperties: false,
            required: ['points', 'windowMonths'],
            properties: {
              points,
              windowMonths: { type: 'integer', minimum: 1, maximum: 240 },
              cap: { type: 'number', minimum: 0, maximum: 1000 },
            },
          },
        ]),
      ),
    },
    decay: {
      type: 'object',
      additionalProperties: false,
      required: ['fullWeightMonths', 'laterWeight'],
      properties: {
        fullWeightMonths: { type: 'integer', minimum: 0, maximum: 240 },
        laterWeight: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    thresholds: {
      type: 'object',
      additionalProperties: false,
      required: ['A', 'B', 'C'],
      properties: { A: { type: 'number' }, B: { type: 'number' }, C: { type: 'number' } },
    },
    hardRules: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'description', 'when'],
        properties: {
          code: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,63}$' },
          description: { type: 'string', minLength: 1, maxLength: 500 },
          when: {
            oneOf: [
              {
                type: 'object',
                additionalProperties: false,
                required: ['blacklistPublished'],
                properties: { blacklistPublished: { const: true } },
              },
              {
                type: 'object',
                additionalProperties: false,
                required: ['recordType', 'withinMonths'],
                properties: {
                  recordType: { enum: RECORD_TYPES },
                  withinMonths: { type: 'integer', minimum: 1, maximum: 240 },
                },
              },
            ],
          },
          grade: { enum: GRADES },
          atBest: { enum: GRADES },
        },
      },
    },
  },
} as const;

const validateSchema = new Ajv({ allErrors: true, strict: true }).compile(SCHEMA);

/** The property a `required` or `additionalProperties` error is about, below its instance path. */
function leafOf(error: ErrorObject): string | null {
  if (error.keyword === 'required') return (error.params as { missingProperty: string }).missingProperty;
  if (error.keyword === 'additionalProperties')
    return (error.params as { additionalProperty: string }).additionalProperty;
  return null;
}

function pathOf(error: ErrorObject): string {
  const base = error.instancePath
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
  return ['document', base, leafOf(error)].filter(Boolean).join('.').replace(/\.\[/g, '[');
}

/** The JSON pointer (RFC 6901) of the value an error is about, within the document: `/thresholds/A`. */
function pointerOf(error: ErrorObject): string {
  const leaf = leafOf(error);
  const escaped = leaf === null ? '' : `/${leaf.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return `${error.instancePath}${escaped}` || '/';
}

const TYPE_ZH: Record<string, string> = {
  number: '数字',
  integer: '整数',
  string: '文字（字符串）',
  object: '对象 {…}',
  array: '数组 […]',
  boolean: '布尔值（true 或 false）',
};

/** Ajv's error in Chinese, for the people who draft the standard in the console. */
function chineseMessage(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `应为${TYPE_ZH[String(params.type)] ?? String(params.type)}`;
    case 'required':
      return '缺少此必填项';
    case 'additionalProperties':
      return '不是标准中已知的字段';
    case 'minimum':
      return `不能小于 ${String(params.limit)}`;
    case 'maximum':
      return `不能大于 ${String(params.limit)}`;
    case 'minLength':
      return `至少 ${String(params.limit)} 个字`;
    case 'maxLength':
      return `不能超过 ${String(params.limit)} 个字`;
    case 'minProperties':
      return `至少填写 ${String(params.limit)} 项`;
    case 'maxItems':
      return `不能超过 ${String(params.limit)} 条`;
    case 'pattern':
      return '格式不正确（小写字母开头，只含小写字母、数字和下划线）';
    case 'enum':
      return `应为以下之一：${(params.allowedValues as unknown[]).map(String).join('、')}`;
    case 'const':
      return `应为 ${JSON.stringify(params.allowedValue)}`;
    case 'oneOf':
      return '不符合任何一种允许的写法';
    default:
      return '不正确';
  }
}

/** One problem with a rule-set document: the API's field and message, its JSON pointer and a Chinese message. */
export interface RuleSetIssue extends FieldError {
  pointer: string;
  zh: string;
}

/**
 * Every problem with a rule-set document, each with its JSON path: the schema first, then the
 * rules a schema cannot say (thresholds in order).
 */
export function ruleSetErrors(document: unknown): FieldError[] {
  return ruleSetIssues(document).map(({ field, message }) => ({ field, message }));
}

/** ruleSetErrors, each also with its JSON pointer (`/thresholds/A`) and in Chinese. */
export function ruleSetIssues(document: unknown): RuleSetIssue[] {
  if (!validateSchema(document)) {
    const errors = (validateSchema.errors ?? []).filter(
      (e) => e.keyword !== 'oneOf' || !e.instancePath.endsWith('/when'),
    );
    return errors.map((e) => ({
      field: pathOf(e),
      pointer: pointerOf(e),
      zh: chineseMessage(e),
      message:
        e.keyword === 'additionalProperties'
          ? 'is not a known field'
          : e.keyword === 'required'
            ? 'is required'
            : (e.message ?? 'is invalid'),
    }));
  }
  const doc = document as RuleSetDocument;
  const { A, B, C } = doc.thresholds;
  const errors: RuleSetIssue[] = [];
  if (!(A > B && B > C))
    errors.push({
      field: 'document.thresholds',
      pointer: '/thresholds',
      message: 'must fall from A to B to C (A > B > C)',
      zh: '应从 A 到 B 到 C 依次降低（A > B > C）',
    });
  return errors;
}
