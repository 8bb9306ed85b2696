import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { QueueName } from '../../../src/jobs/queues';
import { RecomputeRequests } from '../../../src/jobs/recompute-requests';
import { TestApp } from '../../helpers/test-app';
import { seedGradingWorld } from '../../helpers/workers';

/** The workers' periodic check queues again regrade requests that were lost, and only those. */
describe('regrade requests queued again', () => {
  let t: TestApp;
  let ids: string[];

  beforeAll(async () => {
    // The api only: no worker takes the jobs, so the queue shows what was queued.
    t = await TestApp.start(__filename, { ROLE: 'api' });
    await seedGradingWorld(t, 6);
    ids = (await t.sql<{ id: string }>(`SELECT id::text FROM enterprises ORDER BY id`)).map((r) => r.id);
  });
  afterAll(() => t.close());

  /** Requests made two minutes ago whose jobs were lost. */
  const lost = (enterpriseIds: string[]) =>
    t.sql(
      `INSERT INTO regrade_requests (enterprise_id, requested_at)
       SELECT unnest($1::bigint[]), now() - interval '2 minutes'`,
      [enterpriseIds],
    );
  /** How many queued jobs would regrade each enterprise. */
  const queued = async () => {
    const jobs = await t.app.get<Queue>(getQueueToken(QueueName.Classification)).getJobs(['waiting', 'delayed']);
    const times = new Map<string, number>();
    for (const job of jobs)
      for (const id of (job.data as { enterpriseIds: string[] }).enterpriseIds) times.set(id, (times.get(id) ?? 0) + 1);
    return Object.fromEntries(ids.map((id) => [id, times.get(id) ?? 0]));
  };

  const reset = async () => {
    await t.sql(`DELETE FROM regrade_requests`);
    await t.app.get<Queue>(getQueueToken(QueueName.Classification)).empty();
  };

  it('does not queue again, at the next check, requests queued at the last one', async () => {
    await reset();
    const requests = t.app.get(RecomputeRequests);
    const [a, b, , d] = ids;
    await lost([a, d]);
    expect(await requests.requeueUnanswered()).toBe(2);
    // One more lost request: the next check used to queue a, b and d, as a job of their own.
    await lost([b]);
    expect(await requests.requeueUnanswered()).toBe(1);
    expect(await queued()).toMatchObject({ [a]: 1, [b]: 1, [d]: 1 });
  });

  it('gives two batches with the same ends and size a job each', async () => {
    await reset();
    const requests = t.app.get(RecomputeRequests);
    const [a, b, c, d] = ids;
    await lost([a, b, d]);
    expect(await requests.requeueUnanswered()).toBe(3);
    // b is answered; c is asked. Once Redis is back every request is queued: a, c and d took
    // the id of the batch a, b, d (still waiting), so c was never queued.
    await t.sql(`DELETE FROM regrade_requests WHERE enterprise_id = $1`, [b]);
    await lost([c]);
    expect(await requests.requeueUnanswered(0)).toBe(3);
    expect((await queued())[c]).toBe(1);
  });
});
