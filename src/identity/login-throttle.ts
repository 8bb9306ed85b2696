import { Inject, Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { IRateLimiterStoreOptions, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { QuotaSink } from '../common/rate-limit-headers';
import { countingUnavailable, tooManyRequests } from '../redis/rate-limiter';
import type { RedisClient } from '../redis/connections';
import { REDIS } from '../redis/redis.token';

/** Login attempts one client address may make per minute, whatever the user names. */
const LOGIN_ATTEMPTS_PER_IP_PER_MINUTE = 30;
/** Failed logins for one user name from one address that pass before the address is slowed. */
const FREE_FAILURES = 5;
/** The first wait after the free failures; each further failure doubles it, up to MAX_BLOCK_S. */
const FIRST_BLOCK_S = 15;
const MAX_BLOCK_S = 15 * 60;
/** How long a run of failures (for one name from one address) is remembered without a success. */
const FAILURES_REMEMBERED_S = 24 * 3600;
/** Past the free failures, how long the one attempt let through may take to be found right or wrong. */
const ATTEMPT_S = 60;
/** Failed logins from one address, over all user names, within an hour, before it waits an hour. */
const FAILURES_PER_IP_PER_HOUR = 100;
/**
 * How long a user name that logged in from an address is let through that address's hour of
 * waiting: three weeks, within the 24.8 days a Node timer can wait (the memory insurance expires
 * keys by setTimeout, and 30 days overflowed to 1 ms: the name was forgotten at once).
 */
const KNOWN_FOR_S = 21 * 24 * 3600;

/** One login attempt, counted before its password is checked; tell it how that went. */
export interface LoginAttempt {
  failed(): Promise<void>;
  succeeded(): Promise<void>;
}

/**
 * Slows password guessing without letting a guesser lock a real user out. Attempts are counted
 * per (user name, client address): after FREE_FAILURES failures in a row that pair waits
 * FIRST_BLOCK_S, then twice as long after each further failure; a success clears the run. An
 * address that fails FAILURES_PER_IP_PER_HOUR times over any names waits an hour, except for the
 * names that logged in from it within KNOWN_FOR_S (a NATed office or a shared proxy keeps working
 * while someone behind it guesses). The same user logging in from another address is never held
 * up by a guesser's failures. An IPv6 client is counted by its /64, which one subscriber holds
 * whole. Counts live in Redis (rate-limiter-flexible), shared by every replica; while Redis is
 * out of reach, each process counts in its own memory (the limiters' insurance), so logins go on,
 * throttled per process, and Redis's counts take over again once it is back. Every address may
 * also make LOGIN_ATTEMPTS_PER_IP_PER_MINUTE attempts a minute, whatever the names.
 *
 * An attempt takes its place in the run atomically before its password is checked, and gives it
 * back only on success, so guesses sent in parallel are counted like guesses sent one by one:
 * past the free failures, one attempt at a time is let through once the wait is over.
 */
@Injectable()
export class LoginThrottle {
  private readonly perMinute: RateLimiterRedis;
  private readonly runs: RateLimiterRedis;
  private readonly waits: RateLimiterRedis;
  private readonly ipFailures: RateLimiterRedis;
  /** Names that logged in from an address: one point, kept KNOWN_FOR_S after each success. */
  private readonly known: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: RedisClient) {
    const limiter = (options: Omit<IRateLimiterStoreOptions, 'storeClient'>) =>
      new RateLimiterRedis({
        ...options,
        storeClient: redis,
        rejectIfRedisNotReady: true, // to the insurance at once, not after the client's retries
        insuranceLimiter: new RateLimiterMemory(options),
      });
    this.perMinute = limiter({ keyPrefix: 'login-ip', points: LOGIN_ATTEMPTS_PER_IP_PER_MINUTE, duration: 60 });
    this.runs = limiter({
      keyPrefix: 'login-failures',
      points: Number.MAX_SAFE_INTEGER,
      duration: FAILURES_REMEMBERED_S,
    });
    // One point: the attempt let through past the free failures (for ATTEMPT_S), or the wait after its failure.
    this.waits = limiter({ keyPrefix: 'login-wait', points: 1, duration: ATTEMPT_S });
    this.ipFailures = limiter({
      keyPrefix: 'login-ip-failures',
      points: FAILURES_PER_IP_PER_HOUR,
      duration: 3600,
      blockDuration: 3600,
    });
    this.known = limiter({ keyPrefix: 'login-ok', points: 1, duration: KNOWN_FOR_S });
  }

  /**
   * Counts an attempt of this name from this address before its password is checked, or throws
   * 429 with Retry-After while the pair, or the address, must wait. `quota` is told the
   * address's attempts left this minute (none, until the wait ends, when refused).
   */
  async attempt(username: string, ip: string, quota?: QuotaSink): Promise<LoginAttempt> {
    const address = addressKey(ip);
    const key = `${username.toLowerCase()}|${address}`;
    const limit = LOGIN_ATTEMPTS_PER_IP_PER_MINUTE;
    const minute = await guard(this.perMinute.consume(address)).catch((refused: unknown) => {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      const seconds = Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
      quota?.({ limit, remaining: 0, resetS: seconds });
      throw tooManyRequests(
        {
          en: `Login attempts from this address: at most ${LOGIN_ATTEMPTS_PER_IP_PER_MINUTE} a minute; retry in ${seconds} s`,
          zh: `同一地址每分钟最多尝试登录 ${LOGIN_ATTEMPTS_PER_IP_PER_MINUTE} 次，请在 ${seconds} 秒后重试`,
        },
        seconds,
      );
    });
    quota?.({ limit, remaining: limit - minute.consumedPoints, resetS: minute.msBeforeNext / 1000 });
    const wait = (ms: number) => {
      quota?.({ limit, remaining: 0, resetS: ms / 1000 });
      return throttled(ms);
    };
    const [failures, known] = await guard(Promise.all([this.ipFailures.get(address), this.known.get(key)]));
    if (failures && failures.consumedPoints > FAILURES_PER_IP_PER_HOUR && !known) {
      throw wait(failures.msBeforeNext);
    }
    const run = await guard(this.runs.consume(key));
    if (run.consumedPoints > FREE_FAILURES) {
      try {
        await guard(this.waits.consume(key));
      } catch (refused) {
        await guard(this.runs.reward(key));
        throw refused instanceof RateLimiterRes ? wait(refused.msBeforeNext) : refused;
      }
    }
    return {
      failed: () => this.failed(key, address, run.consumedPoints),
      succeeded: () => this.succeeded(key),
    };
  }

  /** The attempt that was number `nth` in its run failed: the address counts it, and past the free ones the pair waits. */
  private async failed(key: string, address: string, nth: number): Promise<void> {
    await guard(
      this.ipFailures.consume(address).catch((refused: unknown) => {
        if (!(refused instanceof RateLimiterRes)) throw refused; // over the limit: blocked for the hour
      }),
    );
    const beyond = nth - FREE_FAILURES;
    if (beyond >= 0) await guard(this.waits.block(key, Math.min(MAX_BLOCK_S, FIRST_BLOCK_S * 2 ** beyond)));
  }

  /** A success ends the run of failures for this name from this address, and makes the name known there. */
  private async succeeded(key: string): Promise<void> {
    await guard(Promise.all([this.runs.delete(key), this.waits.delete(key), this.known.set(key, 1, KNOWN_FOR_S)]));
  }
}

/** The address an attempt is counted under: an IPv4 address, or the /64 of an IPv6 one. */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip); // an IPv4-mapped IPv6 address is its IPv4 address
  return address.kind() === 'ipv4'
    ? address.toString()
    : `${ipaddr.IPv6.networkAddressFromCIDR(`${ip}/64`).toString()}/64`;
}

function throttled(waitMs: number) {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return tooManyRequests(
    {
      en: `Too many failed logins from this address; retry in ${seconds} s`,
      zh: `此地址登录失败次数过多，请在 ${seconds} 秒后重试`,
    },
    seconds,
    'login-throttled',
  );
}

/** Neither Redis nor the memory insurance could count (should not happen): refused (503, retry). */
async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof RateLimiterRes ? error : countingUnavailable();
  }
}
