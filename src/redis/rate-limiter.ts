import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { GroupCommit } from '../common/group-commit';
import { Problem, ProblemText } from '../common/problem';
import { QuotaSink } from '../common/rate-limit-headers';
import type { RedisClient } from './connections';
import { REDIS } from './redis.token';

const RETRY_WHEN_UNAVAILABLE_S = 5;

interface Hit {
  bucket: string;
  limit: number;
  windowMs: number;
}

/**
 * Allowed (with what is left of the window, as far as this replica knows, and when it ends),
 * refused until `retryAfterS`, or not countable (Redis unreachable).
 */
type Verdict =
  { allowed: true; remaining: number; resetS: number } | { allowed: false; retryAfterS: number } | { allowed: null };

/** Leases take at most this share of a window's limit, so a replica strands at most 1 % of it. */
const LEASE_SHARE = 100;
/** Buckets whose lease is remembered (public routes have a bucket per client address). */
const LEASED_BUCKETS = 100_000;

/** Hits a replica holds for one bucket, already counted in Redis, for the rest of the window. */
interface Lease {
  left: number;
  /** When the window that counted them ends (epoch ms). */
  windowEnds: number;
  /** How many the next lease in this window takes: doubles each time a lease runs out. */
  next: number;
  /** What Redis had left in the window when the lease was taken (other replicas' hits since are not known). */
  redisLeft: number;
}

/**
 * Fixed-window rate limits shared by every replica, kept in Redis by rate-limiter-flexible (an
 * atomic script per count, sent by its SHA). Hits are counted in groups: those of one turn of the
 * event loop, or that arrive while a count is in flight, go together, one `consume(bucket, n)`
 * per bucket; the first of them that fit under the limit pass.
 *
 * A busy bucket also leases: a count takes a few hits more than its group needs, and later hits
 * in the same window spend them without asking Redis. Every hit let through was counted in Redis
 * first, so the limit holds across replicas and is never exceeded; a lease that is not spent by
 * the end of its window is lost, which can refuse a caller slightly early (by at most 1 % of the
 * limit per replica). Leases start at nothing in each window and double as they run out, so a
 * bucket with a small limit or few hits is counted exactly. The leasing is written by hand:
 * rate-limiter-flexible counts, but has no local batching.
 */
@Injectable()
export class RateLimiter {
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private readonly leases = new LRUCache<string, Lease>({ max: LEASED_BUCKETS });
  private readonly hits = new GroupCommit((hits: Hit[]) => this.count(hits));

  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  /**
   * Counts one hit on `bucket`; throws 429 with Retry-After once `limit` is passed in `windowMs`.
   * `quota` is told where the caller stands (allowed or refused), for the RateLimit-* headers;
   * `remaining` is exact for a bucket counted hit by hit, and this replica's best knowledge while
   * it spends a lease (other replicas' hits since the lease was taken are not seen).
   */
  async hit(bucket: string, limit: number, windowMs: number, what: ProblemText, quota?: QuotaSink): Promise<void> {
    const lease = this.leases.get(leaseId(bucket, limit, windowMs));
    const now = Date.now();
    if (lease && lease.left > 0 && now < lease.windowEnds) {
      lease.left--;
      quota?.({ limit, remaining: lease.redisLeft + lease.left, resetS: (lease.windowEnds - now) / 1000 });
      return;
    }
    const verdict = await this.hits.submit({ bucket, limit, windowMs });
    if (verdict.allowed) {
      quota?.({ limit, remaining: verdict.remaining, resetS: verdict.resetS });
      return;
    }
    if (verdict.allowed === false) {
      const [seconds, retry] = [windowMs / 1000, verdict.retryAfterS];
      quota?.({ limit, remaining: 0, resetS: retry });
      throw tooManyRequests(
        {
          en: `${what.en}: at most ${limit} requests per ${seconds} s; retry in ${retry} s`,
          zh: `${what.zh}：每 ${seconds} 秒最多 ${limit} 次请求，请在 ${retry} 秒后重试`,
        },
        retry,
      );
    }
    throw countingUnavailable();
  }

  /** One count per bucket of the group; the verdicts in the group's order. */
  private async count(hits: Hit[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = new Array(hits.length);
    const byBucket = new Map<string, number[]>();
    hits.forEach((hit, i) => {
      const id = leaseId(hit.bucket, hit.limit, hit.windowMs);
      const indexes = byBucket.get(id);
      if (indexes) indexes.push(i);
      else byBucket.set(id, [i]);
    });
    await Promise.all(
      [...byBucket].map(async ([id, indexes]) => {
        const counted = await this.countBucket(id, hits[indexes[0]], indexes.length);
        indexes.forEach((i, n) => (verdicts[i] = counted[n]));
      }),
    );
    return verdicts;
  }

  /**
   * `n` hits on one bucket: first from the lease left in this window (hits queued while it was
   * being taken), the rest counted in Redis with a new lease on top; the verdicts in order.
   */
  private async countBucket(id: string, { bucket, limit, windowMs }: Hit, n: number): Promise<Verdict[]> {
    const previous = this.leases.get(id);
    const sameWindow = previous !== undefined && Date.now() < previous.windowEnds;
    const fromLease = sameWindow ? Math.min(previous.left, n) : 0;
    if (sameWindow) previous.left -= fromLease;
    const needed = n - fromLease;
    const leased = sameWindow ? previous.next : 0;
    let allowed = n;
    let refused: Verdict = { allowed: null };
    // After the group: what the window has left (Redis's count, and the lease this replica holds), and when it ends.
    let left = previous && sameWindow ? previous.redisLeft + previous.left : limit;
    let resetS = previous && sameWindow ? (previous.windowEnds - Date.now()) / 1000 : windowMs / 1000;
    if (needed) {
      try {
        const counted = await this.limiter(limit, windowMs).consume(bucket, needed + leased);
        const redisLeft = Math.max(0, limit - counted.consumedPoints);
        this.leases.set(id, {
          left: leased,
          windowEnds: Date.now() + counted.msBeforeNext,
          next: Math.min(Math.floor(limit / LEASE_SHARE), Math.max(1, leased * 2)),
          redisLeft,
        });
        [left, resetS] = [redisLeft + leased, counted.msBeforeNext / 1000];
      } catch (outcome) {
        this.leases.delete(id);
        // Over the limit: those that still fit pass and the rest are refused. Not countable (Redis
        // unreachable): only the hits the lease already covered pass.
        allowed = fromLease;
        if (outcome instanceof RateLimiterRes) {
          allowed += Math.max(0, limit - (outcome.consumedPoints - needed - leased));
          refused = { allowed: false, retryAfterS: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)) };
          [left, resetS] = [0, outcome.msBeforeNext / 1000];
        }
      }
    }
    // The hits that pass, in order, each leaving one more than the next.
    return Array.from({ length: n }, (_, i): Verdict =>
      i < allowed ? { allowed: true, remaining: left + (allowed - 1 - i), resetS } : refused,
    );
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
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

function leaseId(bucket: string, limit: number, windowMs: number): string {
  return `${bucket}\n${limit}/${windowMs}`;
}

/** Redis is unreachable: a limit that cannot be counted is not waived; the caller may retry. */
export function countingUnavailable(): Problem {
  return Problem.unavailable(
    'rate-limit-unavailable',
    {
      en: 'Requests cannot be counted against their limit right now; retry shortly',
      zh: '暂时无法核计请求限额，请稍后重试',
    },
    RETRY_WHEN_UNAVAILABLE_S,
  );
}

export function tooManyRequests(detail: ProblemText, retryAfter: number, code = 'rate-limited'): Problem {
  return new Problem(HttpStatus.TOO_MANY_REQUESTS, code, 'Too many requests', detail, { retryAfter });
}
