import type { LoggerService } from '@nestjs/common';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';

/** What the logger needs to know of the app's configuration. */
export interface LogSettings {
  LOG_LEVEL: string;
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Probes and scrapes, polled all day, write no completion line. */
const QUIET_URLS = new Set(['/health/live', '/metrics']);

/** The request id: the caller's `X-Request-Id` when it is sane, else a new UUID. */
export function requestId(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && INCOMING_ID.test(header) ? header : randomUUID();
}

/** Duck-typed: Node's own errors are another realm's Error under Jest. */
function causeOf(cause: unknown): unknown {
  const error = cause as { name?: unknown; message?: unknown; code?: unknown };
  return typeof error === 'object' && typeof error.message === 'string'
    ? { type: error.name, message: error.message, code: error.code }
    : String(cause);
}

/**
 * The process's one logger: structured JSON, one line per event. Credentials and bodies are
 * never logged: a request's line holds method, URL, status and timing, and an error's only its
 * type, message, code, stack and cause's message (a failed query's own fields hold its parameters).
 */
export function createLogger(config: LogSettings, destination?: DestinationStream): Logger {
  const options = {
    level: config.LOG_LEVEL,
    redact: { paths: ['*.password', '*.key', '*.authorization', '*.cookie'], censor: '[redacted]' },
    serializers: {
      err: (err: Error & { code?: string }) => ({
        type: err.name,
        message: err.message,
        code: err.code,
        stack: err.stack,
        // An error told to users without internals keeps the system's error, paths and all, as its cause.
        ...(err.cause ? { cause: causeOf(err.cause) } : {}),
      }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Each request logs through Fastify's own child logger, bound to its `requestId`, and ends with
 * one completion line (warn for 4xx, error for 5xx), written by this controller in place of
 * Fastify's two lines. Not nestjs-pino's middleware: it binds each request's logger with
 * AsyncLocalStorage, whose promise hooks (Node 20) cost every request more than a whole
 * credit-status lookup does.
 */
export class RequestLog extends LogController {
  constructor(private readonly logger: Logger) {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const level = error || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!this.logger.isLevelEnabled(level) || QUIET_URLS.has(request.url)) return;
    request.log[level](
      {
        req: { method: request.method, url: request.url },
        res: { statusCode: status },
        responseTime: reply.elapsedTime,
        ...(error ? { err: error } : {}),
      },
      'request completed',
    );
  }
}

/**
 * Nest's own log calls (start-up, services, jobs) on the same pino logger, with their context.
 * Written by hand: it maps Nest's LoggerService calls onto pino's, a few lines; nestjs-pino's
 * logger comes with the per-request AsyncLocalStorage above.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes (message, stack, context) for errors.
    const [stack, ...others] = rest;
    if (typeof stack === 'string' && others.length) this.write('error', message, others, { stack });
    else this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[], extra: object = {}): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const fields = { ...(context ? { context } : {}), ...extra };
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
