import type {} from '@fastify/view';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { chooseLang, Dictionary, DICTIONARIES, format, Lang, LANG_COOKIE } from './i18n';

/** What every template gets: the language, its dictionary, and the link that switches language. */
export interface PageContext {
  lang: Lang;
  t: Dictionary;
  /** `format` for `{name}` placeholders in dictionary strings. */
  f: typeof format;
  switchHref: string;
  switchLang: Lang;
}

/** The current URL with `lang` set to the other language (other query parameters kept). */
function switchHref(request: FastifyRequest, other: Lang): string {
  const url = new URL(request.url, 'http://page.invalid');
  url.searchParams.set('lang', other);
  return `${url.pathname}${url.search}`;
}

export function pageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
  const { lang, fromQuery } = chooseLang((request.query as { lang?: unknown }).lang, request.headers.cookie);
  // `?lang=` is remembered, so the links of the next pages need not carry it.
  if (fromQuery) void reply.header('Set-Cookie', `${LANG_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`);
  const other: Lang = lang === 'zh' ? 'en' : 'zh';
  return { lang, t: DICTIONARIES[lang], f: format, switchHref: switchHref(request, other), switchLang: other };
}

/**
 * Renders a page template with the layout. The pages run no script and load nothing from
 * elsewhere, which the Content-Security-Policy states; the language varies with the cookie.
 */
export async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  view: string,
  title: (t: Dictionary) => string,
  data: Record<string, unknown> = {},
  status = 200,
): Promise<void> {
  const context = pageContext(request, reply);
  const html = await reply.viewAsync(`${view}.eta`, { ...context, title: title(context.t), ...data });
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
