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

function pathOf(error: ErrorObject): string {
  const base = error.instancePath
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
  const missing = error.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : null;
  const extra =
    error.keyword === 'additionalProperties'
      ? (error.params as { additionalProperty: string }).additionalProperty
      : null;
  const leaf = missing ?? extra;
  return ['document', base, leaf].filter(Boolean).join('.').replace(/\.\[/g, '[');
}

/**
 * Every problem with a rule-set document, each with its JSON path: the schema first, then the
 * rules a schema cannot say (thresholds in order).
 */
export function ruleSetErrors(document: unknown): FieldError[] {
  if (!validateSchema(document)) {
    const errors = (validateSchema.errors ?? []).filter(
      (e) => e.keyword !== 'oneOf' || !e.instancePath.endsWith('/when'),
    );
    return errors.map((e) => ({
      field: pathOf(e),
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
  const errors: FieldError[] = [];
  if (!(A > B && B > C))
    errors.push({ field: 'document.thresholds', message: 'must fall from A to B to C (A > B > C)' });
  return errors;
}
