import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Problem } from './problem';
import { REDIS } from './redis.token';

const RETRY_WHEN_UNAVAILABLE_S = 5;

/**
 * Fixed-window rate limits shared by every replica, kept in Redis by @nestjs/throttler's
 * Redis storage (one atomic script per hit).
 */
@Injectable()
export class RateLimiter {
  private readonly storage: ThrottlerStorageRedisService;

  constructor(@Inject(REDIS) redis: Redis) {
    this.storage = new ThrottlerStorageRedisService(redis);
  }

  /** Counts one hit on `bucket`; throws 429 with Retry-After once `limit` is passed in `windowMs`. */
  async hit(bucket: string, limit: number, windowMs: number, what: string): Promise<void> {
    let record: Awaited<ReturnType<ThrottlerStorageRedisService['increment']>>;
    try {
      record = await this.storage.increment(`rl:${bucket}`, windowMs, limit, windowMs, 'default');
    } catch {
      // Redis is unreachable: a limit that cannot be counted is not waived; the caller may retry.
      throw new Problem(
        HttpStatus.SERVICE_UNAVAILABLE,
        'rate-limit-unavailable',
        'Service unavailable',
        'Requests cannot be counted against their limit right now; retry shortly',
        { retryAfter: RETRY_WHEN_UNAVAILABLE_S },
      );
    }
    if (record.isBlocked) {
      const retryAfter = Math.max(1, Math.ceil(record.timeToBlockExpire));
      throw tooManyRequests(
        `${what}: at most ${limit} requests per ${windowMs / 1000} s; retry in ${retryAfter} s`,
        retryAfter,
      );
    }
  }
}

export function tooManyRequests(detail: string, retryAfter: number, code = 'rate-limited'): Problem {
  return new Problem(HttpStatus.TOO_MANY_REQUESTS, code, 'Too many requests', detail, { retryAfter });
}
