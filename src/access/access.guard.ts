import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { Problem } from '../common/problem';
import { quotaHeaders } from '../common/rate-limit-headers';
import { AppConfig } from '../config/app-config';
import { RateLimiter } from '../redis/rate-limiter';
import { normaliseUscc } from '../common/uscc';
import { ACCESS_METADATA, AccessGrant, AuthenticatedRequest, isOpen } from './access.decorator';
import { Credentials } from './credentials';
import { fromThisSite, PAGE_SESSION_METADATA, readCookie, SAFE_METHODS, SESSION_COOKIE } from './page-session';
import { Principal } from './principal';

const RATE_WINDOW_MS = 60_000;

/**
 * Decides every request from the route's @Access grants, before validation: who is calling
 * (bearer token or X-API-Key), whether one of the grants covers them, and, for a key,
 * whether it is within its rate limit; a route open to everyone is limited per client address.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: Credentials,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const grants = this.reflector.getAllAndOverride<AccessGrant[] | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    // AccessCheck refuses to start without a grant on every route; this is the second lock.
    if (!grants) throw Problem.forbidden({ en: 'This route declares no access rule', zh: '此地址未声明访问规则' });
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // Every answer of a limited route says where the caller stands: RateLimit-Limit, -Remaining, -Reset.
    const quota = quotaHeaders(context.switchToHttp().getResponse<FastifyReply>());
    if (grants.includes('public')) {
      await this.limiter.hit(
        `ip:${request.ip}`,
        this.config.PUBLIC_RATE_LIMIT,
        RATE_WINDOW_MS,
        { en: `Client ${request.ip}`, zh: `客户端 ${request.ip}` },
        quota,
      );
      return true;
    }
    // `login`: the route's LoginThrottle limits it per address, with its own fallback while Redis is out.
    if (isOpen(grants)) return true;

    const targets = [context.getHandler(), context.getClass()];
    const page = this.reflector.getAllAndOverride<boolean | undefined>(PAGE_SESSION_METADATA, targets) === true;
    const principal = page ? await this.fromCookie(request) : await this.authenticate(request, grants);
    // A page refused to this role still shows its 403 inside the console's frame, for the person signed in.
    if (page) request.principal = principal;
    if (!allows(grants, principal, request.params as Record<string, string | undefined>)) {
      throw Problem.forbidden({
        en: `This route is for: ${grants.join(', ')}`,
        zh: `此地址仅供：${grants.join('、')}`,
      });
    }
    if (principal.kind === 'key') {
      await this.limiter.hit(
        `key:${principal.keyId}`,
        principal.rateLimitPerMinute,
        RATE_WINDOW_MS,
        { en: `API key ${principal.prefix}`, zh: `API 密钥 ${principal.prefix}` },
        quota,
      );
    }
    request.principal = principal;
    return true;
  }

  /** A staff page's caller: the cookie's token only (never a header), and a change only from this site's pages. */
  private async fromCookie(request: AuthenticatedRequest): Promise<Principal> {
    if (!SAFE_METHODS.includes(request.method) && !fromThisSite(request)) {
      throw Problem.forbidden({
        en: 'A change on a page must come from a page of this site',
        zh: '页面上的修改必须来自本站的页面',
      });
    }
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    const principal = token ? await this.credentials.bearer(token) : null;
    if (!principal) throw Problem.unauthorized({ en: 'Sign in at /login', zh: '请在 /login 登录' });
    return principal;
  }

  private async authenticate(request: AuthenticatedRequest, grants: AccessGrant[]): Promise<Principal> {
    const apiKey = request.headers['x-api-key'];
    const authorization = request.headers.authorization;
    if (typeof apiKey === 'string' && apiKey !== '') {
      const principal = await this.credentials.apiKey(apiKey.trim());
      if (!principal)
        throw Problem.unauthorized({ en: 'The API key is unknown or revoked', zh: 'API 密钥不存在或已吊销' });
      return principal;
    }
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const principal = match ? await this.credentials.bearer(match[1]) : null;
      if (!principal)
        throw Problem.unauthorized({
          en: 'The access token is invalid or has expired; log in again',
          zh: '访问令牌无效或已过期，请重新登录',
        });
      return principal;
    }
    const keyOnly = grants.every((g) => g.startsWith('scope:'));
    throw Problem.unauthorized(
      keyOnly
        ? { en: 'Send "X-API-Key: <key>"', zh: '请发送 "X-API-Key: <密钥>"' }
        : { en: 'Log in and send "Authorization: Bearer <token>"', zh: '请登录并发送 "Authorization: Bearer <令牌>"' },
    );
  }
}

/** Pure: whether `principal` holds one of `grants` for a request with these route params. */
export function allows(
  grants: AccessGrant[],
  principal: Principal,
  params: Record<string, string | undefined>,
): boolean {
  return grants.some((grant) => {
    if (principal.kind === 'key')
      return grant.startsWith('scope:') && principal.scopes.some((s) => grant === `scope:${s}`);
    if (grant === 'enterprise:own') {
      return principal.role === 'enterprise' && !!params.uscc && principal.uscc === normaliseUscc(params.uscc);
    }
    return grant === principal.role;
  });
}
