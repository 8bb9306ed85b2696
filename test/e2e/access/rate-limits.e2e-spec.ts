import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { Problem } from '../../../src/common/problem';
import { Quota } from '../../../src/common/rate-limit-headers';
import { RateLimiter } from '../../../src/redis/rate-limiter';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fires `n` hits at once on one bucket; how many passed, and the refusals. */
async function burst(limiter: RateLimiter, n: number, limit: number) {
  const outcomes = await Promise.all(
    Array.from({ length: n }, () =>
      limiter.hit('key:bench', limit, 60_000, { en: 'API key', zh: 'API 密钥' }).then(
        () => 'passed' as const,
        (error: unknown) => error,
      ),
    ),
  );
  return {
    passed: outcomes.filter((o) => o === 'passed').length,
    refused: outcomes.filter((o): o is Problem => o instanceof Problem),
  };
}

describe('rate limits counted in Redis, in groups and leases, shared by replicas', () => {
  const prefix = `qc_test_rl_${randomUUID().slice(0, 8)}:`;
  const clients: Redis[] = [];
  const replica = () => {
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    clients.push(redis);
    return new RateLimiter(redis);
  };

  afterAll(async () => {
    const keys = await clients[0].keys(`${prefix}*`);
    if (keys.length) await clients[0].del(...keys.map((k) => k.slice(prefix.length)));
    await Promise.all(clients.map((c) => c.quit()));
  });

  afterEach(() => jest.restoreAllMocks());

  it('counts a small limit exactly: the 51st hit of 50 a minute is refused with Retry-After', async () => {
    const limiter = replica();
    const results = [];
    for (let i = 0; i < 60; i++) results.push(await burst(limiter, 1, 50));
    expect(results.reduce((n, r) => n + r.passed, 0)).toBe(50);
    const refusal = results.flatMap((r) => r.refused)[0];
    expect(refusal).toMatchObject({ status: 429, code: 'rate-limited' });
    expect(refusal.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refusal.extensions.retryAfter).toBeLessThanOrEqual(60);
    expect(Number(await clients[0].get('rl:key:bench'))).toBe(60); // every hit counted, none leased
  });

  it('tells each hit where its bucket stands: remaining counting down to 0, and the reset within the window', async () => {
    const limiter = replica();
    const quotas: Quota[] = [];
    for (let i = 0; i < 5; i++) {
      await limiter
        .hit('key:quota', 3, 60_000, { en: 'API key', zh: 'API 密钥' }, (q) => quotas.push(q))
        .catch(() => undefined);
    }
    expect(quotas.map((q) => [q.limit, q.remaining])).toEqual([
      [3, 2],
      [3, 1],
      [3, 0],
      [3, 0],
      [3, 0],
    ]);
    for (const q of quotas) expect(q.resetS).toBeGreaterThan(0);
    for (const q of quotas) expect(q.resetS).toBeLessThanOrEqual(60);
  });

  it('lets a busy key spend leases without asking Redis, and never passes more than the limit across replicas', async () => {
    await clients[0].del('rl:key:bench');
    const consume = jest.spyOn(RateLimiterRedis.prototype, 'consume');
    const [a, b] = [replica(), replica()];
    const limit = 20_000;
    let passed = 0;
    const refused: Problem[] = [];
    for (let round = 0; round < 60; round++) {
      for (const r of await Promise.all([burst(a, 200, limit), burst(b, 200, limit)])) {
        passed += r.passed;
        refused.push(...r.refused);
      }
    }
    // 24 000 hits on a limit of 20 000: never over it, and short of it by at most one lease per replica (1 % each).
    expect(passed).toBeLessThanOrEqual(limit);
    expect(passed).toBeGreaterThanOrEqual(limit - 2 * (limit / 100));
    expect(refused.length).toBe(24_000 - passed);
    expect(refused[0]).toMatchObject({ status: 429 });
    // Groups and leases: far fewer Redis counts than hits.
    expect(consume.mock.calls.length).toBeLessThan(24_000 / 20);
  });
});
