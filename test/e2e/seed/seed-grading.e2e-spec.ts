import Queue from 'bull';
import { randomUUID } from 'node:crypto';
import { queueGrading } from '../../../src/cli/seed/main';
import { QueueName } from '../../../src/jobs/queues';
import { bullPrefixOf } from '../../../src/jobs/bull-connections';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('seed:demo queues the grading of what it seeded', () => {
  const prefix = `qc_test_seed_${randomUUID().slice(0, 8)}`;
  const queue = new Queue(QueueName.Recomputes, REDIS_URL, { prefix: bullPrefixOf(prefix) });
  const env = { REDIS_URL, REDIS_PREFIX: prefix };
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('queues a grading of its own after an earlier one finished (whose chunks Bull keeps a day)', async () => {
    await queueGrading(env, () => undefined);
    const earlier = (await queue.getNextJob()) as Queue.Job;
    await earlier.moveToCompleted('{}', true, true);
    await earlier.releaseLock();

    await queueGrading(env, () => undefined);
    const waiting = await queue.getWaiting();
    expect(waiting).toHaveLength(1);
    // The recompute names its chunk jobs after its own id: a new id, so fresh chunks that grade.
    expect(waiting[0].id).not.toBe(earlier.id);
  });
});
