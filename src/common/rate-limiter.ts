import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { GroupCommit } from './group-commit';
import { Problem } from './problem';
import { REDIS } from './redis.token';

const RETRY_WHEN_UNAVAILABLE_S = 5;

interface Hit {
  bucket: string;
  limit: number;
  windowMs: number;
}

/** Allowed, refused until `retryAfterS`, or not countable (Redis unreachable). */
type Verdict = { allowed: true } | { allowed: false; retryAfterS: number } | { allowed: null };

/**
 * Fixed-window rate limits shared by every replica, kept in Redis by rate-limiter-flexible (an
 * atomic script per count, sent by its SHA). Hits are counted in groups: those that arrive while
 * a count is in flight go together in the next, one `consume(bucket, n)` per bucket, and the
 * first of them that fit under the limit pass. Every hit is counted in Redis before it is let
 * through, so the limit holds across replicas, while a busy key costs one Redis command per
 * group rather than one per request.
 */
@Injectable()
export class RateLimiter {
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private readonly hits = new GroupCommit((hits: Hit[]) => this.count(hits));

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Counts one hit on `bucket`; throws 429 with Retry-After once `limit` is passed in `windowMs`. */
  async hit(bucket: string, limit: number, windowMs: number, what: string): Promise<void> {
    const verdict = await this.hits.submit({ bucket, limit, windowMs });
    if (verdict.allowed) return;
    if (verdict.allowed === false) {
      throw tooManyRequests(
        `${what}: at most ${limit} requests per ${windowMs / 1000} s; retry in ${verdict.retryAfterS} s`,
        verdict.retryAfterS,
      );
    }
    // Redis is unreachable: a limit that cannot be counted is not waived; the caller may retry.
    throw new Problem(
      HttpStatus.SERVICE_UNAVAILABLE,
      'rate-limit-unavailable',
      'Service unavailable',
      'Requests cannot be counted against their limit right now; retry shortly',
      { retryAfter: RETRY_WHEN_UNAVAILABLE_S },
    );
  }

  /** One count per bucket of the group; the verdicts in the group's order. */
  private async count(hits: Hit[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = new Array(hits.length);
    const byBucket = new Map<string, number[]>();
    hits.forEach((hit, i) => {
      const id = `${hit.bucket}\n${hit.limit}/${hit.windowMs}`;
      const indexes = byBucket.get(id);
      if (indexes) indexes.push(i);
      else byBucket.set(id, [i]);
    });
    await Promise.all(
      [...byBucket.values()].map(async (indexes) => {
        const { bucket, limit, windowMs } = hits[indexes[0]];
        let allowed = indexes.length;
        let retryAfterS = 0;
        try {
          await this.limiter(limit, windowMs).consume(bucket, indexes.length);
        } catch (outcome) {
          if (!(outcome instanceof RateLimiterRes)) {
            for (const i of indexes) verdicts[i] = { allowed: null };
            return;
          }
          allowed = Math.max(0, limit - (outcome.consumedPoints - indexes.length));
          retryAfterS = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
        }
        indexes.forEach((i, n) => (verdicts[i] = n < allowed ? { allowed: true } : { allowed: false, retryAfterS }));
      }),
    );
    return verdicts;
  }

  private limiter(points: number, windowMs: number): RateLimiterRedis {
    const id = `${points}/${windowMs}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: 'rl',
        points,
        duration: windowMs / 1000,
        rejectIfRedisNotReady: true,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

export function tooManyRequests(detail: string, retryAfter: number, code = 'rate-limited'): Problem {
  return new Problem(HttpStatus.TOO_MANY_REQUESTS, code, 'Too many requests', detail, { retryAfter });
}
