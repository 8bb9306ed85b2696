import type {} from '@fastify/view';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { beijingDate, beijingDateTime, beijingLastDay } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { chooseLang, Dictionary, DICTIONARIES, format, LABELS, Lang, LANG_COOKIE } from './i18n';

/** Who is signed in, as the header shows it. */
export interface Viewer {
  username: string;
  /** A regulator, reviewer or admin: the statistics page is theirs. */
  staff: boolean;
}

/** What every template gets: the language, its dictionary, and the link that switches language. */
export interface PageContext {
  lang: Lang;
  t: Dictionary;
  /** `format` for `{name}` placeholders in dictionary strings. */
  f: typeof format;
  switchHref: string;
  switchLang: Lang;
  /** The name of a code (record type, severity, failure reason) in this language. */
  label: (code: string) => string;
  /** The name in this language of a bilingual label (`{zh, en}` or `{nameZh, nameEn}`). */
  pick: (label: BilingualLabel) => string;
  /** A date as `yyyy-mm-dd` in Beijing time. */
  day: (at: Date | string) => string;
  /** The last day before an end instant (a listing that ends at midnight ends on the day before). */
  lastDay: (end: Date | string) => string;
  /** An instant as `yyyy-mm-dd hh:mm` in Beijing time. */
  time: (at: Date | string) => string;
  /** Words in brackets after a label, in the language's punctuation: `（轻微）`, ` (minor)`. */
  paren: (inner: string) => string;
  /** The colon between a label and its value: `：`, `: `. */
  colon: string;
  /** Who is signed in (the `qc_session` cookie), or null. */
  viewer: Viewer | null;
}

/** Chinese text takes full-width brackets and colons; English the ASCII ones, spaced. */
const PUNCTUATION: Record<Lang, { open: string; close: string; colon: string }> = {
  zh: { open: '（', close: '）', colon: '：' },
  en: { open: ' (', close: ')', colon: ': ' },
};

export type BilingualLabel = { zh: string; en: string } | { nameZh: string; nameEn: string };

const beijingDay = (at: Date | string) => beijingDate(new Date(at));
/** The last day of a period that ends at `end` (exclusive): see beijingLastDay. */
const lastDayOf = (end: Date | string) => beijingLastDay(new Date(end));
const beijingTime = (at: Date | string) => beijingDateTime(new Date(at));

/** The current URL with `lang` set to the other language (other query parameters kept). */
function switchHref(request: FastifyRequest, other: Lang): string {
  const url = new URL(request.url, 'http://page.invalid');
  url.searchParams.set('lang', other);
  return `${url.pathname}${url.search}`;
}

export function pageContext(request: FastifyRequest, reply: FastifyReply, viewer: Viewer | null = null): PageContext {
  const { lang, fromQuery } = chooseLang((request.query as { lang?: unknown }).lang, request.headers.cookie);
  // `?lang=` is remembered, so the links of the next pages need not carry it.
  if (fromQuery) void reply.header('Set-Cookie', `${LANG_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`);
  const other: Lang = lang === 'zh' ? 'en' : 'zh';
  return {
    lang,
    t: DICTIONARIES[lang],
    f: format,
    switchHref: switchHref(request, other),
    switchLang: other,
    label: (code) => LABELS[lang][code] ?? code,
    pick: (label) => ('zh' in label ? label[lang] : lang === 'zh' ? label.nameZh : label.nameEn),
    day: beijingDay,
    lastDay: lastDayOf,
    time: beijingTime,
    paren: (inner) => `${PUNCTUATION[lang].open}${inner}${PUNCTUATION[lang].close}`,
    colon: PUNCTUATION[lang].colon,
    viewer,
  };
}

/**
 * Renders a page template with the layout. The pages run no script and load nothing from
 * elsewhere, which the Content-Security-Policy states; the language varies with the cookie.
 * A page rendered for someone signed in (`viewer`) is kept out of shared caches.
 */
export async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  view: string,
  title: (t: Dictionary) => string,
  data: Record<string, unknown> | ((context: PageContext) => Record<string, unknown>) = {},
  status = 200,
  viewer: Viewer | null = null,
): Promise<void> {
  const context = pageContext(request, reply, viewer);
  if (viewer && !reply.hasHeader('Cache-Control')) void reply.header('Cache-Control', 'private, no-store');
  // An answer that sets the language cookie is this visitor's alone: no shared cache keeps it.
  const cacheControl = reply.getHeader('Cache-Control');
  if (reply.hasHeader('Set-Cookie') && typeof cacheControl === 'string' && cacheControl.startsWith('public')) {
    void reply.header('Cache-Control', cacheControl.replace(/^public/, 'private'));
  }
  const values = typeof data === 'function' ? data(context) : data;
  const html = await reply.viewAsync(`${view}.eta`, { ...context, title: title(context.t), ...values });
  void reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Content-Language', context.t.htmlLang)
    .header('Vary', 'Cookie')
    .header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    )
    .send(html);
}

/**
 * Where people reach the site, for an address printed or drawn in a QR code: PUBLIC_URL when set,
 * else the address this request came to (whose page then must not be kept by shared caches).
 */
export function siteOrigin(config: AppConfig, request: FastifyRequest): string {
  return config.publicBaseUrl || `${request.protocol}://${request.host}`;
}
