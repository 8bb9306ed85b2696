import Queue from 'bull';
import { randomUUID } from 'node:crypto';
import { refundAttempt } from './queues';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('refundAttempt', () => {
  const queue = new Queue('refund', REDIS_URL, { prefix: `qc_test_refund_${randomUUID().slice(0, 8)}` });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('lets a job outlive any number of stops, and still fail for good after its attempts', async () => {
    const calls: string[] = [];
    void queue.process(async (job) => {
      calls.push(`call ${calls.length + 1}`);
      if (calls.length <= 4) {
        await refundAttempt(job); // four stops of its worker
        throw new Error('the worker stopped');
      }
      throw new Error('a fault of its own');
    });
    const job = await queue.add({}, { attempts: 2 });
    const failed = await new Promise<Queue.Job>((resolve) =>
      queue.on('failed', (failedJob: Queue.Job) => failedJob.finishedOn && resolve(failedJob)),
    );
    expect(failed.id).toBe(job.id);
    // Four stops, then the two attempts the job was given.
    expect(calls).toHaveLength(6);
    expect(failed.failedReason).toBe('a fault of its own');
  });
});
