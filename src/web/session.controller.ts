import { Controller, Get, HttpStatus, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AcceptsForm } from '../common/body-limit';
import { Problem } from '../common/problem';
import { retryAfter } from '../common/problem.filter';
import { quotaHeaders } from '../common/rate-limit-headers';
import { Access } from '../access/access.decorator';
import { AuthService } from '../identity/auth.service';
import { fromThisSite } from '../access/page-session';
import { LoginResultDto } from '../identity/dto/login.dto';
import { clearedSessionCookie, landingFor, safeNext, sessionCookie, WebSession } from './session';

/** The limits of LoginDto: longer values are refused before any password check. */
const MAX_USERNAME = 64;
const MAX_PASSWORD = 256;

type LoginError = 'failed' | 'throttled' | 'disabled' | null;

/**
 * Staff sign-in on the web: the form posts to `POST /login`, which logs in through AuthService
 * (the API's login, with its per-address throttle and per-user lockout) and keeps the access
 * token it issues in the `qc_session` cookie. CSRF: the cookie is SameSite=Strict, and both
 * posts are refused unless their Origin (or Referer) is this host.
 */
@ApiExcludeController()
@Access('public')
@Controller()
export class SessionController {
  constructor(
    private readonly auth: AuthService,
    private readonly session: WebSession,
  ) {}

  @Get('login')
  loginForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('next') next: string | string[] | undefined,
  ): Promise<void> {
    return this.form(request, reply, safeNext(next), '', null, 200);
  }

  /** The form posts `username` and `password` (application/x-www-form-urlencoded); `next` is in its action URL. */
  @Post('login')
  @Access('login')
  @AcceptsForm()
  async login(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('next') nextParam: string | string[] | undefined,
  ): Promise<void> {
    const next = safeNext(nextParam);
    if (!fromThisSite(request)) return this.refuse(request, reply);
    const body = (request.body ?? {}) as { username?: unknown; password?: unknown };
    const username = typeof body.username === 'string' ? body.username.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!username || !password || username.length > MAX_USERNAME || password.length > MAX_PASSWORD) {
      return this.form(request, reply, next, username.slice(0, MAX_USERNAME), 'failed', HttpStatus.UNAUTHORIZED);
    }
    let token: LoginResultDto;
    try {
      token = await this.auth.login({ username, password }, request.ip, quotaHeaders(reply));
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      if (error.status === HttpStatus.UNAUTHORIZED) {
        return this.form(request, reply, next, username, 'failed', HttpStatus.UNAUTHORIZED);
      }
      if (error.code === 'account-disabled') {
        return this.form(request, reply, next, username, 'disabled', HttpStatus.FORBIDDEN);
      }
      if (error.status === HttpStatus.TOO_MANY_REQUESTS) {
        retryAfter(reply, error);
        return this.form(request, reply, next, username, 'throttled', HttpStatus.TOO_MANY_REQUESTS);
      }
      throw error;
    }
    void reply
      .status(303)
      .header('Set-Cookie', sessionCookie(request, token.accessToken, token.expiresIn))
      .header('Cache-Control', 'no-store')
      .header('Location', landingFor(token.user.role, next))
      .send();
  }

  /** Forgets the token in this browser (it stays valid until it expires, like any access token). */
  @Post('logout')
  @AcceptsForm()
  logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> | void {
    if (!fromThisSite(request)) return this.refuse(request, reply);
    void reply
      .status(303)
      .header('Set-Cookie', clearedSessionCookie(request))
      .header('Cache-Control', 'no-store')
      .header('Location', '/')
      .send();
  }

  private form(
    request: FastifyRequest,
    reply: FastifyReply,
    next: string,
    username: string,
    error: LoginError,
    status: number,
  ): Promise<void> {
    void reply.header('Cache-Control', 'no-store');
    const action = `/login?${new URLSearchParams({ next }).toString()}`;
    return this.session.render(request, reply, 'login', (t) => t.loginTitle, { action, username, error }, status);
  }

  /** A post from another site (or with neither Origin nor Referer): an HTML 403 page, nothing done. */
  private refuse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    return this.session.render(request, reply, 'forbidden', (t) => t.forbiddenTitle, { reason: 'site' }, 403);
  }
}
