import { Client } from 'pg';
import { RANGE_SIZE } from '../../../src/classification/classification.service';
import { createUser } from '../../helpers/fixtures';
import { closeOnPrivateRedis, PrivateRedis } from '../../helpers/private-redis';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { alive, gradedAsACleanRun, schedulesKept, seedGradingWorld, Workers } from '../../helpers/workers';

const ENTERPRISES = 20_000;
/** How long Redis stays down: a few seconds more than the five of Bull's watchdog on a job one waits for (it crashed the worker). */
const OUTAGE_MS = 8_000;

describe('full recompute across a Redis killed and restarted empty', () => {
  let redis: PrivateRedis;
  let t: TestApp | undefined;
  let workers: Workers | undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // The api only: the worker is a separate process, as in production.
    t = await TestApp.start(__filename, { ROLE: 'api', REDIS_URL: redis.url });
    workers = new Workers(t);
    await seedGradingWorld(t, ENTERPRISES);
  });
  afterAll(() => closeOnPrivateRedis(redis, t, workers), 60_000);

  const app = () => t!;

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
    // A worker takes the run (in a queue of its own) and three classification jobs at a time (two
    // chunks and a dry run: Bull gives any job to any of them): three chunks, held at their write
    // by a lock on their last enterprise; the fourth chunk waits in Redis, and is lost with it.
    // (node-postgres gives bigint as text.)
    const ids = (await app().sql<{ id: string }>(`SELECT id FROM enterprises ORDER BY id`)).map((r) => r.id);
    const blocker = new Client({ connectionString: app().config.DATABASE_URL });
    await blocker.connect();
    let jobId: string;
    let target: string;
    try {
      await blocker.query(`BEGIN`);
      await blocker.query(`SELECT 1 FROM enterprises WHERE id = ANY($1::bigint[]) FOR UPDATE`, [
        [1, 2, 3].map((chunk) => ids[chunk * RANGE_SIZE - 1]),
      ]);
      const worker = await workers!.start();
      await until('the schedules at start', () => schedulesKept(app()));
      const started = await app().request({ method: 'POST', url: '/api/v1/classification/recompute', token: admin });
      expect(started.statusCode).toBe(202);
      jobId = started.json().jobId;
      await until(
        'three chunks to wait for the lock',
        async () => {
          const [{ waiting }] = await app().sql<{ waiting: number }>(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return waiting >= 3;
        },
        60_000,
      );

      // Redis dies in the middle of the run.
      await redis.kill();
      const outage = Date.now();
      // An enterprise of the first chunk (no records: not graded D) gets a licence revoked after the
      // chunk has read its facts: its regrading cannot be queued, and the run will not grade it again.
      target = (
        await app().sql<{ uscc: string }>(`SELECT uscc FROM enterprises WHERE id = $1`, [
          ids.slice(0, RANGE_SIZE).find((id) => Number(id) % 17 === 0),
        ])
      )[0].uscc;
      const recorded = await app().request({
        method: 'POST',
        url: `/api/v1/enterprises/${target}/records`,
        token: qts,
        body: {
          type: 'license_revoked',
          occurredOn: new Date().toISOString().slice(0, 10),
          documentNo: '温市监许销〔2026〕1号',
          summary: '吊销生产许可证',
        },
      });
      expect(recorded.statusCode).toBe(201);
      // The three chunks write their grades while Redis is away.
      await blocker.query(`ROLLBACK`);
      await until(
        'the three chunks to be written',
        async () => {
          const [{ graded }] = await app().sql<{ graded: number }>(
            `SELECT count(*)::int AS graded FROM classifications`,
          );
          return graded === 3 * RANGE_SIZE;
        },
        60_000,
      );
      // The outage is the fault under test: it lasts its length, whatever the processes do meanwhile.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outage))));
      expect(alive(worker)).toBe(true);
    } finally {
      await blocker.end();
    }

    // Redis comes back on the same port, empty.
    await redis.restart();
    await until('the schedules again', () => schedulesKept(app()), 20_000);
    const finished = await until(
      'the run to finish',
      async () => {
        const res = await job(jobId);
        const status = res.statusCode === 200 && res.json();
        expect(status && status.state).not.toBe('failed');
        return status && status.state === 'completed' && status;
      },
      60_000,
    );
    expect(finished.result).toMatchObject({ enterprises: ENTERPRISES });
    await until('the regrading asked during the outage', async () => {
      const res = await app().request({
        method: 'GET',
        url: `/api/v1/enterprises/${target}/classification`,
        token: admin,
      });
      return res.json().grade === 'D';
    });
    await expect(gradedAsACleanRun(app())).resolves.toEqual({ enterprises: ENTERPRISES, changed: 0 });
    expect(workers!.running).toBe(1);
  }, 240_000);
});
