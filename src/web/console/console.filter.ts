import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../../access/access.decorator';
import { retryAfter, toProblem } from '../../common/problem.filter';
import { loginHref, STAFF_ROLES } from '../session';
import { CONSOLE_TEXT } from './console-text';
import { ConsolePages } from './console-pages';
import { langOf, seeOther } from './page-params';

/**
 * What a console page answers when it cannot show itself: no or an expired session → 303 to the
 * sign-in form (back here after); a role that may not open it, or a post from another site →
 * a 403 page; something absent or out of the person's jurisdiction → a 404 page; any other
 * refusal → a page with the reason in the person's language; the unexpected → a 500 page
 * quoting the request id (logged as the API logs it).
 */
@Catch()
@Injectable()
export class ConsoleProblemFilter implements ExceptionFilter {
  constructor(private readonly pages: ConsolePages) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { problem, unexpected } = toProblem(exception);
    if (unexpected) request.log.error({ err: exception }, problem.status === 500 ? 'unexpected error' : problem.detail);
    retryAfter(reply, problem);
    if (problem.status === 401) {
      seeOther(reply, loginHref(request.url));
      return;
    }
    const lang = langOf(request);
    const t = CONSOLE_TEXT[lang];
    if (!(request as AuthenticatedRequest).principal) {
      // Refused before the person was known (a post from another site): no console frame.
      void reply.status(problem.status).header('Content-Type', 'text/plain; charset=utf-8').send(t.forbiddenSite);
      return;
    }
    // A page's address whose parameters are malformed (`/console/imports/1`) is a page that is not there.
    const params = Object.keys((request.params ?? {}) as object);
    const listed = problem.extensions.errors as { field: string }[] | undefined;
    const badAddress =
      request.method === 'GET' &&
      problem.code === 'validation-failed' &&
      !!listed?.every((e) => params.includes(e.field));
    const kind =
      problem.status === 403
        ? 'forbidden'
        : problem.status === 404 || badAddress
          ? 'not-found'
          : unexpected
            ? 'unexpected'
            : 'refused';
    await this.pages.render(request, reply, 'error', {
      title: (text) =>
        kind === 'forbidden' ? text.forbiddenTitle : kind === 'not-found' ? text.notFoundTitle : text.errorTitle,
      status: badAddress ? 404 : problem.status,
      data: (it) => ({
        kind,
        detail: problem.localized(lang),
        requestId: request.id,
        // Staff work within a jurisdiction; an enterprise or an institution sees only its own.
        notFoundText: STAFF_ROLES.includes(it.me.role) ? it.t.notFoundText : it.t.notFoundTextOwn,
      }),
    });
  }
}
