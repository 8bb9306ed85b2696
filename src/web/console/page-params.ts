import type { FastifyReply, FastifyRequest } from 'fastify';
import { chooseLang, Lang } from '../i18n';

/** The language the page answers in, as ConsolePages chooses it: `?lang=`, then the cookie, then Chinese. */
export function langOf(request: FastifyRequest): Lang {
  return chooseLang((request.query as { lang?: unknown } | undefined)?.lang, request.headers.cookie).lang;
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

export interface Pager {
  page: number;
  pages: number;
  previous: string | null;
  next: string | null;
}

/** Links to the pages before and after, keeping the filters (those empty are left out). */
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

/** Post/Redirect/Get: 303 to the page showing the result, never stored. */
export function seeOther(reply: FastifyReply, location: string): void {
  void reply.status(303).header('Location', location).header('Cache-Control', 'no-store').send();
}

/** Whether htmx asked (`HX-Request`), so a fragment alone answers. */
export const fromHtmx = (request: FastifyRequest): boolean => request.headers['hx-request'] === 'true';

/** Job ids as the jobs lookup makes them: a dry run's number, `recompute-all:<run>`, an export's. */
export const JOB_ID = /^[\w:.-]{1,100}$/;

/** The `Content-Disposition` of a download (one definition, in common/, for the API's downloads too). */
export { attachment } from '../../common/content-disposition';
