import { SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** The cookie that carries the signed-in person's access token (the API's HS256 JWT). */
export const SESSION_COOKIE = 'qc_session';

export const PAGE_SESSION_METADATA = 'qc:page-session';

/**
 * Marks the routes of a staff page (the console): the AccessGuard authenticates them from the
 * `qc_session` cookie, and only them; an API route never reads the cookie, so a cross-site
 * request can never call the API. A page that changes something (any method but GET and HEAD)
 * must also come from a page of this site (`fromThisSite`): with the SameSite=Strict cookie,
 * that is the CSRF defence. `@Access` still says who may use the page.
 */
export const PageSession = () => SetMetadata(PAGE_SESSION_METADATA, true);

/** The value of one cookie in a `Cookie` header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

/**
 * Whether a form post comes from a page of this site: its Origin (or, without one, its Referer)
 * names the host the request was sent to. A post with neither header is refused.
 */
export function fromThisSite(request: FastifyRequest): boolean {
  const source = request.headers.origin ?? request.headers.referer;
  if (typeof source !== 'string' || !request.host) return false;
  try {
    // Both through URL, which drops a default port: `Host: localhost:80` is `Origin: http://localhost`.
    return new URL(source).host === new URL(`${request.protocol}://${request.host}`).host;
  } catch {
    return false; // `Origin: null` and other non-URLs
  }
}

/** Methods that change nothing, which need no proof of coming from this site. */
export const SAFE_METHODS: readonly string[] = ['GET', 'HEAD'];
