import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UserPrincipal, UserRole } from '../access/principal';
import { Problem } from '../common/problem';
import { TokenService } from '../identity/token.service';
import { readCookie, SESSION_COOKIE } from '../access/page-session';
import { Dictionary } from './i18n';
import { renderPage, Viewer } from './page';

/** Who may see the statistics page: the roles of `GET /api/v1/stats/overview`. */
export const STAFF_ROLES: readonly UserRole[] = ['regulator', 'reviewer', 'admin'];
/** Where a sign-in goes when it was given no usable `next` (then the person's own home, homeOf). */
export const DEFAULT_NEXT = '/console';

/** Where each role's pages start: staff the console, an enterprise or an institution its portal. */
export function homeOf(role: UserRole): string {
  if (role === 'enterprise') return '/portal/enterprise';
  if (role === 'institution') return '/portal/institution';
  return '/console';
}

/**
 * Where a sign-in lands: `next`, unless it is a staff console page and the person is not staff
 * (an enterprise or institution that followed a console link, or signed in with no `next`), then
 * the home of their role.
 */
export function landingFor(role: UserRole, next: string): string {
  const consolePage = next === '/console' || next.startsWith('/console/') || next.startsWith('/console?');
  return consolePage && !STAFF_ROLES.includes(role) ? homeOf(role) : next;
}
const MAX_NEXT_LENGTH = 512;

/**
 * `next` when it is a path on this site (one leading `/`, not `//` nor `/\`, no control
 * character a browser would drop), else DEFAULT_NEXT: the sign-in never redirects elsewhere.
 * The path comes back percent-encoded as a browser would send it (`/企业` → `/%E4%BC%81%E4%B8%9A`),
 * since a `Location` header holds ASCII only.
 */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_NEXT_LENGTH) return DEFAULT_NEXT;
  // eslint-disable-next-line no-control-regex
  if (!/^\/(?![/\\])/.test(value) || /[\u0000-\u001f\u007f\\]/.test(value)) return DEFAULT_NEXT;
  const url = new URL(value, 'http://site.invalid');
  return url.origin === 'http://site.invalid' ? url.pathname + url.search + url.hash : DEFAULT_NEXT;
}

/** `/login?next=…`, the `/`s of the path left readable. */
export function loginHref(next: string): string {
  return `/login?next=${encodeURIComponent(next).replace(/%2F/g, '/')}`;
}

/** `Set-Cookie` for the token: script cannot read it, no other site's request carries it. */
export function sessionCookie(request: FastifyRequest, token: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure}`;
}

export function clearedSessionCookie(request: FastifyRequest): string {
  return sessionCookie(request, '', 0);
}

/**
 * Who is signed in on the web pages, from the `qc_session` cookie.
 *
 * The pages do their own session check rather than the AccessGuard: the guard authenticates
 * API calls by bearer token or API key only, so a cookie can never authenticate an API call
 * (which keeps the API out of reach of cross-site requests), and a page that refuses answers
 * with a redirect to the sign-in form or an HTML page, not problem+json. The page routes stay
 * `@Access('public')` for the guard (rate-limited per address), but for `POST /login`, which is
 * `@Access('login')` (the login throttle's limits); `staffOnly` is their check.
 */
@Injectable()
export class WebSession {
  private readonly verified = new WeakMap<FastifyRequest, Promise<UserPrincipal | null>>();

  constructor(private readonly tokens: TokenService) {}

  /** The person whose valid token the cookie carries, or null; verified once per request. */
  principal(request: FastifyRequest): Promise<UserPrincipal | null> {
    let found = this.verified.get(request);
    if (!found) {
      const token = readCookie(request.headers.cookie, SESSION_COOKIE);
      found = token ? this.tokens.verify(token) : Promise.resolve(null);
      this.verified.set(request, found);
    }
    return found;
  }

  async viewer(request: FastifyRequest): Promise<Viewer | null> {
    const principal = await this.principal(request);
    return principal && { username: principal.username, staff: STAFF_ROLES.includes(principal.role) };
  }

  /** Renders a page whose header shows who is signed in (and so which links they have). */
  async render(
    request: FastifyRequest,
    reply: FastifyReply,
    view: string,
    title: (t: Dictionary) => string,
    data: Parameters<typeof renderPage>[4] = {},
    status = 200,
  ): Promise<void> {
    return renderPage(request, reply, view, title, data, status, await this.viewer(request));
  }

  /**
   * The staff member signed in, or null once it has answered for the page: no or an invalid
   * cookie → 303 to the sign-in form (back here after); another role → an HTML 403 page.
   */
  async staffOnly(request: FastifyRequest, reply: FastifyReply): Promise<UserPrincipal | null> {
    const principal = await this.principal(request);
    if (principal && STAFF_ROLES.includes(principal.role)) {
      void reply.header('Cache-Control', 'private, no-store');
      return principal;
    }
    if (!principal) {
      void reply.status(303).header('Location', loginHref(request.url)).header('Cache-Control', 'no-store').send();
      return null;
    }
    await this.render(request, reply, 'forbidden', (t) => t.forbiddenTitle, { reason: 'role' }, 403);
    return null;
  }

  /**
   * Renders a page, or the page for what went wrong: the 404 page when what it shows does not
   * exist, is not public, or is not a valid id (404, 400); the "try later" page with the limit's
   * words for a rate limit (429). Anything else is thrown on.
   */
  async orProblemPage(request: FastifyRequest, reply: FastifyReply, render: () => Promise<void>): Promise<void> {
    try {
      await render();
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      if (error.status === 404 || error.status === 400) {
        return this.render(request, reply, 'not-found', (t) => t.notFoundTitle, {}, 404);
      }
      if (error.status === 429) {
        void reply.header('Retry-After', String(error.extensions.retryAfter ?? 60));
        return this.render(request, reply, 'throttled', (t) => t.throttledTitle, { problem: error }, 429);
      }
      throw error;
    }
  }
}
