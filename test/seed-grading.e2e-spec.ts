import Queue from 'bull';
import { randomUUID } from 'node:crypto';
import { queueGrading } from '../src/cli/seed-demo';
import { QueueName } from '../src/jobs/queues';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('seed:demo queues the grading of what it seeded', () => {
  const prefix = `qc_test_seed_${randomUUID().slice(0, 8)}`;
  const queue = new Queue(QueueName.Classification, REDIS_URL, { prefix: `${prefix}:bull` });
  const env = { REDIS_URL, REDIS_PREFIX: prefix };
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('queues one grading while one waits, and a new one once the last has finished', async () => {
    await queueGrading(env, () => undefined);
    await queueGrading(env, () => undefined);
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 1 });

    // A worker ran it (Bull keeps finished jobs for a day): the next seed still gets its grades.
    const job = (await queue.getNextJob()) as Queue.Job;
    expect(job.id).toBe('demo-seed-grading');
    await job.moveToCompleted('{}', true, true);
    await job.releaseLock();
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, completed: 1 });
    await queueGrading(env, () => undefined);
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 1, completed: 0 });
  });
});
