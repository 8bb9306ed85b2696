import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { QueueName } from '../src/jobs/queues';
import { createUser } from './helpers/fixtures';
import { PrivateRedis } from './helpers/private-redis';
import { TestApp } from './helpers/test-app';
import { until } from './helpers/until';
import { alive, gradedAsACleanRun, seedGradingWorld, Workers } from './helpers/workers';

const ENTERPRISES = 20_000;
/** How long Redis stays down: longer than Bull's five-second watchdog on a job it waits for. */
const OUTAGE_MS = 6_000;

describe('full recompute across a Redis killed and restarted empty', () => {
  let redis: PrivateRedis;
  let t: TestApp | undefined;
  let workers: Workers | undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // The api only: the worker is a separate process, as in production.
    t = await TestApp.start(__filename, { ROLE: 'api', REDIS_URL: redis.url, JOB_LOCK_MS: '1500' });
    workers = new Workers(t);
    await seedGradingWorld(t, ENTERPRISES);
  });
  afterAll(async () => {
    try {
      await workers?.killAll();
      if (redis && !redis.running) await redis.restart();
      await t?.close();
    } finally {
      await redis?.kill();
    }
  }, 60_000);

  const app = () => t!;
  /** The daily schedules each queue keeps, by their keys. */
  const schedules = async () => {
    const ids = await Promise.all(
      [QueueName.Classification, QueueName.Maintenance, QueueName.Exports].map((name) =>
        app().app.get<Queue>(getQueueToken(name)).getRepeatableJobs(),
      ),
    );
    return ids
      .flat()
      .map((job) => job.id)
      .sort();
  };
  const SCHEDULES = ['blacklist-expiry', 'daily-exports', 'nightly-recompute'];

  it('survives, keeps its schedules, finishes the run and applies the regrading asked meanwhile', async () => {
    const admin = await app().loginAdmin();
    const qts = await createUser(app(), admin, {
      username: 'qts.redis',
      password: 'redis-restart-1',
      role: 'regulator',
      departmentCode: 'QTS',
    });
    const job = async (id: string) =>
      app().request({ method: 'GET', url: `/api/v1/jobs/${encodeURIComponent(id)}`, token: admin });
    const worker = await workers!.start();
    await until('the schedules at start', async () => (await schedules()).join() === SCHEDULES.join());

    const started = await app().request({ method: 'POST', url: '/api/v1/classification/recompute', token: admin });
    expect(started.statusCode).toBe(202);
    const { jobId } = started.json();
    await until(
      'the run to be under way',
      async () => {
        const status = (await job(jobId)).json();
        expect(status.state).not.toBe('completed');
        return status.state === 'active' && status.progress >= 20;
      },
      30_000,
      20,
    );

    // Redis dies in the middle of the run.
    await redis.kill();
    const outage = Date.now();
    // An enterprise already graded by this run gets a licence revoked: its regrading cannot be queued.
    const [target] = await app().sql<{ uscc: string; grade: string }>(
      `SELECT e.uscc, c.grade FROM classifications c JOIN enterprises e ON e.id = c.enterprise_id
        WHERE c.grade <> 'D' ORDER BY e.id LIMIT 1`,
    );
    expect(target).toBeDefined();
    const recorded = await app().request({
      method: 'POST',
      url: `/api/v1/enterprises/${target.uscc}/records`,
      token: qts,
      body: {
        type: 'license_revoked',
        occurredOn: new Date().toISOString().slice(0, 10),
        documentNo: '温市监许销〔2026〕1号',
        summary: '吊销生产许可证',
      },
    });
    expect(recorded.statusCode).toBe(201);
    // The outage is the fault under test: it lasts its length, whatever the processes do meanwhile.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outage))));
    expect(alive(worker)).toBe(true);

    // Redis comes back on the same port, empty.
    await redis.restart();
    await until('the schedules again', async () => (await schedules()).join() === SCHEDULES.join(), 20_000);
    const finished = await until(
      'the run to finish',
      async () => {
        const res = await job(jobId);
        const status = res.statusCode === 200 && res.json();
        expect(status && status.state).not.toBe('failed');
        return status && status.state === 'completed' && status;
      },
      40_000,
    );
    expect(finished.result).toMatchObject({ enterprises: ENTERPRISES });
    await until('the regrading asked during the outage', async () => {
      const res = await app().request({
        method: 'GET',
        url: `/api/v1/enterprises/${target.uscc}/classification`,
        token: admin,
      });
      return res.json().grade === 'D';
    });
    await expect(gradedAsACleanRun(app())).resolves.toEqual({ enterprises: ENTERPRISES, changed: 0 });
    expect(alive(worker)).toBe(true);
  }, 120_000);
});
