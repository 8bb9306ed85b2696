import type { FastifyRequest } from 'fastify';
import { Problem } from '../../common/problem';
import { chooseLang, Lang } from '../i18n';
import { ADMIN_TEXT } from './admin.text';

type AdminKey = keyof (typeof ADMIN_TEXT)['zh'];

/** The services' English field messages, by what they say, as the administrators' pages' Chinese. */
const MESSAGES: [RegExp, AdminKey][] = [
  [/is required for a/, 'requiredForRole'],
  [/does not apply to a/, 'notForRole'],
  [/belong to a regulator department/, 'notRegulatorDept'],
  [/belongs to a (finance|tax) department/, 'wrongDeptKind'],
  [/^department .* (does not exist|was merged into|was itself merged)/, 'noDepartment'],
  [/^district .* does not exist/, 'noDistrict'],
  [/^institution .* does not exist/, 'noInstitution'],
  [/^enterprise .* is not registered/, 'notRegistered'],
];

/** A conflict's code → the field it is about and its message. */
const CONFLICTS: Record<string, [string, AdminKey]> = {
  'duplicate-user': ['username', 'duplicateUser'],
  'duplicate-institution': ['name', 'duplicateInstitution'],
  'cannot-disable-self': ['', 'cannotDisableSelf'],
  'already-revoked': ['', 'alreadyRevoked'],
  'merge-into-self': ['successorCode', 'mergeSelf'],
};

/**
 * A service's refusal as messages beside the form's fields (field → message; `''` for the form
 * as a whole), in the person's language. `rename` maps a service's field to the form's.
 * Anything but a 4xx Problem is thrown on.
 */
export function refusal(error: unknown, lang: Lang, rename: Record<string, string> = {}): Record<string, string> {
  if (!(error instanceof Problem) || error.status >= 500 || error.status === 404 || error.status === 403) throw error;
  const t = ADMIN_TEXT[lang];
  const field = (name: string) => rename[name] ?? name;
  const listed = error.extensions.errors as { field: string; message: string }[] | undefined;
  if (error.code === 'validation-failed' && listed?.length) {
    return Object.fromEntries(
      listed.map((e) => {
        const key = MESSAGES.find(([pattern]) => pattern.test(e.message))?.[1];
        return [field(e.field), key ? t[key] : lang === 'zh' ? '该项不符合要求' : e.message];
      }),
    );
  }
  const conflict = CONFLICTS[error.code];
  if (conflict) return { [field(conflict[0])]: t[conflict[1]] };
  return { '': error.localized(lang) };
}

export interface Pager {
  page: number;
  pages: number;
  previous: string | null;
  next: string | null;
}

/** Links to the pages before and after, keeping the filters. */
export function pagerOf(
  path: string,
  filters: Record<string, string | undefined>,
  page: { page: number; pageSize: number; total: number },
): Pager {
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const href = (n: number) => {
    const query = new URLSearchParams(
      Object.entries({ ...filters, page: String(n) }).filter((e): e is [string, string] => !!e[1]),
    );
    return `${path}?${query.toString()}`;
  };
  return {
    page: page.page,
    pages,
    previous: page.page > 1 ? href(page.page - 1) : null,
    next: page.page < pages ? href(page.page + 1) : null,
  };
}

/** A query string parameter as one trimmed string ('' when absent). */
export function param(query: unknown, name: string): string {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

/** A positive page number from the query string, 1 when absent or not one. */
export function pageParam(query: unknown): number {
  const n = Number(param(query, 'page'));
  return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1;
}

/** The language the page answers in (as ConsolePages chooses it). */
export function langOf(request: FastifyRequest): Lang {
  return chooseLang((request.query as { lang?: unknown } | undefined)?.lang, request.headers.cookie).lang;
}
