import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { Lang } from '../i18n';
import { CONSOLE_TEXT } from './console-text';
import { langOf } from './page-params';

/** A posted form's fields, one string each (a repeated field keeps its first value). */
export function formFields(request: FastifyRequest): Record<string, string> {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[name] = first;
  }
  return fields;
}

/** The fields that were filled in (empty ones left out, so that optional fields stay absent). */
export function filled(fields: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => (fields[n] ?? '').trim() !== '').map((n) => [n, fields[n]]));
}

export type FormCheck<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/**
 * Checks a form against the API's own DTO (the same class-validator rules as the API, unknown
 * fields refused), so a page accepts exactly what the API accepts; each failed field gets one
 * message for the person, in their language.
 */
export async function checkForm<T extends object>(
  dto: Type<T>,
  input: Record<string, unknown>,
  lang: Lang,
): Promise<FormCheck<T>> {
  const value = plainToInstance(dto, input, { exposeDefaultValues: true });
  const failures = await validate(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
  });
  if (failures.length === 0) return { ok: true, value };
  return { ok: false, errors: fieldMessages(failures, input, lang) };
}

/** A posted form read against a DTO, as most pages read one. */
export interface ReadForm<T> {
  /** Every posted field, one string each. */
  fields: Record<string, string>;
  /** The form's own fields as typed (`''` for those left empty), to show again beside their errors. */
  values: Record<string, string>;
  /** The check of the fields that were filled in. */
  checked: FormCheck<T>;
  lang: Lang;
}

/**
 * Reads the posted fields `names` and checks those filled in against `dto` (checkForm), in the
 * person's language; `extra` adds values that are not typed as text (a list of checkboxes).
 */
export async function readForm<T extends object>(
  request: FastifyRequest,
  dto: Type<T>,
  names: readonly string[],
  extra: Record<string, unknown> = {},
): Promise<ReadForm<T>> {
  const fields = formFields(request);
  const lang = langOf(request);
  const values = Object.fromEntries(names.map((n) => [n, fields[n] ?? '']));
  const checked = await checkForm(dto, { ...filled(fields, names), ...extra }, lang);
  return { fields, values, checked, lang };
}

/** The errors of a form, `field → message`, from class-validator's tree (`a.b` for nested fields). */
export function fieldMessages(
  failures: ValidationError[],
  input: Record<string, unknown>,
  lang: Lang,
  parent = '',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const failure of failures) {
    const path = parent ? `${parent}.${failure.property}` : failure.property;
    if (failure.constraints) {
      const raw = parent ? undefined : input[failure.property];
      const empty = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
      out[path] =
        empty && !('whitelistValidation' in failure.constraints)
          ? required(lang)
          : constraintMessage(failure.constraints, lang);
    }
    if (failure.children?.length) Object.assign(out, fieldMessages(failure.children, input, lang, path));
  }
  return out;
}

/** The message beside a field left empty that must be filled. */
export const required = (lang: Lang): string => CONSOLE_TEXT[lang].required;

/** The numbers in class-validator's English message ("must be shorter than or equal to 100 characters"). */
const numbers = (message: string) => (message.match(/\d+/g) ?? []).map(Number);

/** One message for the first failed constraint of a field, in the person's language. */
function constraintMessage(constraints: Record<string, string>, lang: Lang): string {
  const [name, message] = Object.entries(constraints)[0];
  const zh = lang === 'zh';
  switch (name) {
    case 'whitelistValidation':
      return zh ? '表单中有不认识的字段' : 'not a field of this form';
    case 'isIn':
    case 'isEnum':
      return zh ? '请从列表中选择一项' : 'choose one of the list';
    case 'isIso8601':
    case 'isDateString':
      return zh ? '日期格式应为 YYYY-MM-DD' : 'a date as YYYY-MM-DD';
    case 'isUscc':
      return zh
        ? '统一社会信用代码不正确：应为 18 位，且校验位相符'
        : 'not a valid unified social credit code (18 characters with a matching check character)';
    case 'isBoolean':
      return zh ? '请选择“是”或“否”' : 'choose yes or no';
    case 'isLength':
    case 'maxLength':
    case 'minLength': {
      const [min, max] = name === 'maxLength' ? [0, numbers(message)[0]] : numbers(message);
      if (message.includes('shorter') || name === 'maxLength') {
        return zh ? `不能超过 ${max ?? min} 个字` : `at most ${max ?? min} characters`;
      }
      return zh ? `至少 ${min} 个字` : `at least ${min} characters`;
    }
    case 'isInt':
      return zh ? '应为整数' : message;
    case 'min':
      return zh ? `不能小于 ${numbers(message)[0]}` : message;
    case 'max':
      return zh ? `不能大于 ${numbers(message)[0]}` : message;
    case 'matches':
      return zh ? `格式不正确` : message;
    default:
      return zh ? '格式不正确' : message;
  }
}
