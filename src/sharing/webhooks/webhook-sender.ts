import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedConnection } from './address-guard';

const DELIVERY_TIMEOUT_MS = 10_000;

export interface Attempt {
  /** The receiver's status code, when it answered. */
  statusCode: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
}

export interface Outgoing {
  url: string;
  body: string;
  headers: Record<string, string>;
  allowPrivate: boolean;
}

/**
 * One POST of one event. A 2xx answer delivers it; anything else fails the attempt: other
 * statuses, redirects (never followed: a 3xx is a failure, so a receiver cannot bounce the
 * request elsewhere), refused or private addresses (checked on the connected socket), network errors,
 * and no complete answer within the timeout. The answer's body is read and dropped.
 */
export function send({ url, body, headers, allowPrivate }: Outgoing): Promise<Attempt> {
  const started = performance.now();
  const target = new URL(url);
  const tls = target.protocol === 'https:';
  const request = tls ? httpsRequest : httpRequest;
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port) || (tls ? 443 : 80);
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
      resolve({ statusCode, ok, error, durationMs: Math.round(performance.now() - started) });
    };
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        // No agent (a fresh connection each time, closed after): with createConnection given
        // and no agent, http uses it instead of an agent's own.
        createConnection: guardedConnection({ host, port, tls, allowPrivate }),
      },
      (res) => {
        const status = res.statusCode ?? null;
        const error =
          status !== null && status >= 300 && status < 400
            ? `redirect to ${res.headers.location ?? '(no location)'} not followed`
            : status !== null && (status < 200 || status >= 300)
              ? `answered ${status}`
              : null;
        res.on('error', (e) => finish(status, e.message));
        res.on('end', () => finish(status, error));
        res.resume();
      },
    );
    const timer = setTimeout(() => {
      finish(null, `no answer within ${DELIVERY_TIMEOUT_MS} ms`);
      req.destroy();
    }, DELIVERY_TIMEOUT_MS);
    req.on('error', (e) => finish(null, e.message));
    req.end(body);
  });
}
