import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { countingUnavailable, tooManyRequests } from '../common/rate-limiter';
import { REDIS } from '../common/redis.token';

/** Failed logins for one user name from one address that pass before the address is slowed. */
export const FREE_FAILURES = 5;
/** The first wait after the free failures; each further failure doubles it, up to MAX_BLOCK_S. */
export const FIRST_BLOCK_S = 15;
export const MAX_BLOCK_S = 15 * 60;
/** How long a run of failures (for one name from one address) is remembered without a success. */
const FAILURES_REMEMBERED_S = 24 * 3600;
/** Failed logins from one address, over all user names, within an hour, before it waits an hour. */
export const FAILURES_PER_IP_PER_HOUR = 100;

/**
 * Slows password guessing without letting a guesser lock a real user out. Failures are counted
 * per (user name, client address): after FREE_FAILURES in a row that pair waits FIRST_BLOCK_S,
 * then twice as long after each further failure; a success clears the run. An address that fails
 * FAILURES_PER_IP_PER_HOUR times over any names waits an hour. The same user logging in from
 * another address is never held up by a guesser's failures. Counts live in Redis
 * (rate-limiter-flexible), shared by every replica.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures: RateLimiterRedis;
  private readonly blocks: RateLimiterRedis;
  private readonly ipFailures: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    const store = { storeClient: redis };
    this.failures = new RateLimiterRedis({
      ...store,
      keyPrefix: 'login-failures',
      points: Number.MAX_SAFE_INTEGER,
      duration: FAILURES_REMEMBERED_S,
    });
    this.blocks = new RateLimiterRedis({ ...store, keyPrefix: 'login-wait', points: 1, duration: MAX_BLOCK_S });
    this.ipFailures = new RateLimiterRedis({
      ...store,
      keyPrefix: 'login-ip-failures',
      points: FAILURES_PER_IP_PER_HOUR,
      duration: 3600,
      blockDuration: 3600,
    });
  }

  /** Throws 429 with Retry-After while this name from this address, or this address, must wait. */
  async check(username: string, ip: string): Promise<void> {
    const [pair, address] = await guard(Promise.all([this.blocks.get(pairKey(username, ip)), this.ipFailures.get(ip)]));
    const waitMs = Math.max(
      pair && pair.consumedPoints > 1 ? pair.msBeforeNext : 0,
      address && address.consumedPoints > FAILURES_PER_IP_PER_HOUR ? address.msBeforeNext : 0,
    );
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw tooManyRequests(
        `Too many failed logins from this address; retry in ${seconds} s`,
        seconds,
        'login-throttled',
      );
    }
  }

  /** Counts a failure (known name or not, so the throttle reveals nothing) and makes the pair wait past the free ones. */
  async failed(username: string, ip: string): Promise<void> {
    const key = pairKey(username, ip);
    const [run] = await guard(
      Promise.all([
        this.failures.consume(key),
        this.ipFailures.consume(ip).catch((refused: unknown) => {
          if (!(refused instanceof RateLimiterRes)) throw refused; // over the limit: blocked for the hour
        }),
      ]),
    );
    const beyond = run.consumedPoints - FREE_FAILURES;
    if (beyond >= 0) await guard(this.blocks.block(key, Math.min(MAX_BLOCK_S, FIRST_BLOCK_S * 2 ** beyond)));
  }

  /** A success ends the run of failures for this name from this address. */
  async succeeded(username: string, ip: string): Promise<void> {
    await guard(this.failures.delete(pairKey(username, ip)));
  }
}

function pairKey(username: string, ip: string): string {
  return `${username.toLowerCase()}|${ip}`;
}

/** Redis unreachable: the throttle cannot count, and a login it cannot count is refused (503, retry). */
async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof RateLimiterRes ? error : countingUnavailable();
  }
}
