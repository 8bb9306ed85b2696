import Queue from 'bull';
import Redis from 'ioredis';
import type { RedisTarget } from '../config/app-config';
import { bullPrefixOf } from './bull-connections';
import { moveUntaggedBullKeys } from './bull-prefix-move';

/**
 * On the shared Redis under a prefix of its own: jobs queued by a version before the hash tag
 * (Bull's prefix `<REDIS_PREFIX>:bull`) are there to process after the move, under the tag.
 */
describe('moveUntaggedBullKeys', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const target: RedisTarget = { mode: 'standalone', url };
  const redisPrefix = `qc-move-${process.pid}-${Date.now()}`;
  const redis = new Redis(url);
  const queues: Queue.Queue[] = [];
  const queue = (prefix: string) => {
    const q = new Queue('classification', url, { prefix });
    queues.push(q);
    return q;
  };

  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    // Both tests' prefixes (the second's adds `-mixed`), whether or not they passed.
    const keys = [...(await redis.keys(`${redisPrefix}*`)), ...(await redis.keys(`{${redisPrefix}*`))];
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('moves waiting, delayed and repeatable jobs to the tagged prefix, once, however many workers start', async () => {
    const old = queue(`${redisPrefix}:bull`);
    await old.add({ enterprise: 'waiting' }, { jobId: 'queued' });
    await old.add({ enterprise: 'delayed' }, { jobId: 'later', delay: 3_600_000 });
    await old.add({ enterprise: 'daily' }, { repeat: { cron: '0 3 * * *' } });
    await old.close();

    const moved = await Promise.all([1, 2, 3].map(() => moveUntaggedBullKeys(target, redisPrefix)));
    expect(moved.filter((n) => n > 0)).toHaveLength(1); // one worker moved them, the others waited
    expect(await redis.keys(`${redisPrefix}:bull:*`)).toEqual([]);

    const now = queue(bullPrefixOf(redisPrefix));
    expect((await now.getWaiting()).map((job) => job.id)).toEqual(['queued']);
    expect((await now.getDelayed()).map((job) => job.id)).toContain('later');
    expect((await now.getRepeatableJobs()).map((job) => job.cron)).toEqual(['0 3 * * *']);
    expect((await now.getJob('queued'))?.data).toEqual({ enterprise: 'waiting' });
    // Moved once: a later start finds nothing to move.
    expect(await moveUntaggedBullKeys(target, redisPrefix)).toBe(0);
  });

  it('keeps the jobs queued under both names when the new api queued before the worker moved the old ones', async () => {
    const mixed = `${redisPrefix}-mixed`;
    const old = queue(`${mixed}:bull`);
    for (let i = 0; i < 3; i++) await old.add({ n: `old ${i}` });
    await old.close();
    const now = queue(bullPrefixOf(mixed));
    await now.add({ n: 'new' }); // id 1: the new counter starts afresh
    expect(await moveUntaggedBullKeys(target, mixed)).toBeGreaterThan(0);
    const waiting = await now.getWaiting();
    expect(waiting.map((job) => job.data.n).sort()).toEqual(['new', 'old 0', 'old 1', 'old 2']);
    // Job 1 was there under both names: the old one took the next id; the counter goes on from there.
    expect((await now.getJob('4'))?.data).toEqual({ n: 'old 0' });
    expect((await now.add({ n: 'next' })).id).toBe('5');
    expect(await redis.keys(`${mixed}:bull:*`)).toEqual([]);
  });
});
