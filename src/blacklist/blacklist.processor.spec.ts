import Queue from 'bull';
import { randomUUID } from 'node:crypto';
import type { QueueUpkeep, UpkeepOccasion } from '../jobs/queue-upkeep';
import type { BlacklistService } from './blacklist.service';
import { BlacklistProcessor } from './blacklist.processor';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('BlacklistProcessor', () => {
  const queue = new Queue('maintenance', REDIS_URL, { prefix: `qc_test_expiry_${randomUUID().slice(0, 8)}` });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('queues a catch-up pass whenever Redis is back, even after one failed for good', async () => {
    let task: (occasion: UpkeepOccasion) => Promise<unknown> = async () => undefined;
    const upkeep = { keep: async (_q: unknown, _what: string, t: typeof task) => void (task = t) };
    const processor = new BlacklistProcessor({} as BlacklistService, queue, upkeep as unknown as QueueUpkeep);
    await processor.onApplicationBootstrap();
    await task('start');
    // The pass fails for good (the database away during every attempt).
    const first = (await queue.getNextJob()) as Queue.Job;
    expect(first.id).toBe('blacklist-expiry:start');
    await first.moveToFailed({ message: 'the database is away' }, true);
    await task('reconnect');
    const catchUps = await queue.getJobs(['waiting']);
    expect(catchUps.map((job) => job.id)).toEqual(['blacklist-expiry:start']);
  });
});
