import type { FastifyReply } from 'fastify';

/** Where a caller stands against one rate limit, after the request being answered was counted. */
export interface Quota {
  /** Requests allowed in the window. */
  limit: number;
  /** Requests still allowed in this window (0 once refused). */
  remaining: number;
  /** Seconds until the window ends and the count starts again (at least 1). */
  resetS: number;
}

/** Told the quota as a request is counted (allowed or refused); sets the answer's headers. */
export type QuotaSink = (quota: Quota) => void;

/**
 * The rate-limit headers of the IETF draft (draft-ietf-httpapi-ratelimit-headers, the
 * `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` form most clients read), on
 * every answer of a limited route, refused or not; `Reset` is in seconds. A 429 also carries
 * `Retry-After` (the problem filter writes it from the problem's `retryAfter`).
 */
export function quotaHeaders(reply: FastifyReply): QuotaSink {
  return ({ limit, remaining, resetS }) => {
    void reply.header('RateLimit-Limit', String(limit));
    void reply.header('RateLimit-Remaining', String(Math.max(0, Math.floor(remaining))));
    void reply.header('RateLimit-Reset', String(Math.max(1, Math.ceil(resetS))));
  };
}
