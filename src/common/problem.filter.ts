import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { databaseUnavailable } from './pg-errors';
import { PROBLEM_CONTENT_LANGUAGE, PROBLEM_CONTENT_TYPE, Problem, problemForStatus, problemLanguage } from './problem';

/** Seconds a client is asked to wait before retrying while the database cannot be reached. */
const RETRY_WHEN_DATABASE_DOWN_S = 5;

/**
 * Turns anything thrown into a Problem; the database out of reach becomes a 503 with
 * Retry-After, other unexpected errors a bare 500. Both are `unexpected`: logged as errors.
 */
export function toProblem(error: unknown): { problem: Problem; unexpected: boolean } {
  if (error instanceof Problem) return { problem: error, unexpected: false };
  if (databaseUnavailable(error)) {
    return {
      problem: Problem.unavailable(
        'database-unavailable',
        { en: 'The database cannot be reached right now; retry shortly', zh: '暂时无法连接数据库，请稍后重试' },
        RETRY_WHEN_DATABASE_DOWN_S,
      ),
      unexpected: true,
    };
  }
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? (response as { message: string[] }).message.join('; ')
          : String((response as { message?: unknown }).message ?? error.message);
    const problem = problemForStatus(error.getStatus(), message);
    // Terminus puts the state of each dependency in `details`: keep it for the operator.
    const details = typeof response === 'object' ? (response as { details?: unknown }).details : undefined;
    if (details) problem.extensions.checks = details;
    return { problem, unexpected: error.getStatus() >= 500 && !details };
  }
  // Errors raised by Fastify itself (body parsing, content type, size) carry a 4xx statusCode.
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = (error as Error).message.replace(/^FST_\w+: /, '');
    return { problem: problemForStatus(status, message), unexpected: false };
  }
  return {
    problem: new Problem(500, 'internal-error', 'Internal server error', {
      en: 'An unexpected error occurred; quote the requestId when reporting it',
      zh: '发生了意外错误；报告问题时请提供 requestId',
    }),
    unexpected: true,
  };
}

/** A problem that says when to come back (a rate limit, an unavailable dependency) says it in `Retry-After` too. */
export function retryAfter(reply: FastifyReply, problem: Problem): void {
  if (problem.extensions.retryAfter !== undefined)
    void reply.header('Retry-After', String(problem.extensions.retryAfter));
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: unknown): void {
  const { problem, unexpected } = toProblem(error);
  // The caller sees a bare 500 (or 503) quoting the requestId; the log line beside it holds the real error.
  if (unexpected) request.log.error({ err: error }, problem.status === 500 ? 'unexpected error' : problem.detail);
  retryAfter(reply, problem);
  // `detail` follows Accept-Language (English unless Chinese is preferred); caches keep the two apart.
  const lang = problemLanguage(request.headers['accept-language']);
  const vary = reply.getHeader('Vary');
  void reply
    .status(problem.status)
    .header('Content-Type', PROBLEM_CONTENT_TYPE)
    .header('Content-Language', PROBLEM_CONTENT_LANGUAGE[lang])
    .header('Vary', vary ? `${String(vary)}, Accept-Language` : 'Accept-Language')
    .send(problem.toBody(request.id, lang));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), exception);
  }
}
