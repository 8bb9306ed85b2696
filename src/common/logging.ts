import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request id: the caller's `X-Request-Id` when it is sane, else a new UUID. */
export function requestId(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && INCOMING_ID.test(header) ? header : randomUUID();
  (req as IncomingMessage & { id?: string }).id = id;
  return id;
}

/**
 * Structured JSON logs, one line per event, each carrying the request id. Credentials and
 * bodies are never logged: only method, URL, status and timing.
 */
export function loggerParams(config: AppConfig, destination?: DestinationStream): Params {
  const options: Exclude<Params['pinoHttp'], DestinationStream | unknown[] | undefined> = {
    level: config.LOG_LEVEL,
    genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestId(req),
    customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', '*.password', '*.key'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // Type, message and stack only: a failed query's own fields hold its parameters.
      err: (err: Error & { code?: string }) => ({
        type: err.name,
        message: err.message,
        code: err.code,
        stack: err.stack,
      }),
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
  };
  return { pinoHttp: destination ? [options, destination] : options };
}
