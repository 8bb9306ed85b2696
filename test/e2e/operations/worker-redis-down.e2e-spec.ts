import { CODES, createEnterprise, createUser } from '../../helpers/fixtures';
import { multipart } from '../../helpers/multipart';
import { closeOnPrivateRedis, PrivateRedis } from '../../helpers/private-redis';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { alive, schedulesKept, Workers } from '../../helpers/workers';

/** Attempts the waiting worker makes before Redis comes back: over 6 s, when a worker started without Redis died. */
const ATTEMPTS_WAITED = 8;

describe('a worker started while Redis is down', () => {
  let redis: PrivateRedis;
  let t: TestApp | undefined;
  let workers: Workers | undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // The api only: the worker is the separate process under test.
    t = await TestApp.start(__filename, { ROLE: 'api', REDIS_URL: redis.url });
    workers = new Workers(t);
  });
  afterAll(() => closeOnPrivateRedis(redis, t, workers), 60_000);

  it('waits for Redis, then serves, registers its schedules and runs the import Redis lost', async () => {
    const app = t!;
    const admin = await app.loginAdmin();
    await createEnterprise(app, admin, CODES.wenzhouLike);
    const qts = await createUser(app, admin, {
      username: 'qts.redis-down',
      password: 'redis-down-pass-1',
      role: 'regulator',
      departmentCode: 'QTS',
    });
    const body = multipart(
      { kind: 'records' },
      {
        name: 'data.csv',
        content: `uscc,type,occurredOn,documentNo,summary\n${CODES.wenzhouLike},certification,2024-05-05,DOWN-1,认证\n`,
      },
    );
    const uploaded = await app.request({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...body.headers, authorization: `Bearer ${qts}` },
      body: body.payload,
    });
    expect(uploaded.statusCode).toBe(202);
    const importId: string = uploaded.json().id;

    // Redis dies with the import's job (no worker has taken it), and a worker starts meanwhile.
    await redis.kill();
    let log = '';
    const worker = await workers!.launch({ LOG_LEVEL: 'warn' }, (chunk) => (log += chunk));
    await until(
      `the worker to wait out ${ATTEMPTS_WAITED} attempts to reach Redis`,
      async () => {
        if (!alive(worker.child))
          throw new Error(`the worker exited (${worker.child.exitCode ?? worker.child.signalCode})`);
        return log.includes(`(attempt ${ATTEMPTS_WAITED})`);
      },
      30_000,
    );
    expect(alive(worker.child)).toBe(true);

    // Redis comes back, empty.
    await redis.restart();
    await until(
      'the worker to answer /health/live',
      async () => {
        if (!alive(worker.child))
          throw new Error(`the worker exited (${worker.child.exitCode ?? worker.child.signalCode})`);
        return worker.live();
      },
      30_000,
    );
    await until('the schedules', () => schedulesKept(app), 20_000);
    const done = await until(
      'the import to be run',
      async () => {
        const res = await app.request({ method: 'GET', url: `/api/v1/imports/${importId}`, token: admin });
        return res.json().status === 'completed' && res.json();
      },
      20_000,
    );
    expect(done).toMatchObject({ importedRows: 1, rejectedRows: 0 });
    expect(alive(worker.child)).toBe(true);
  }, 90_000);
});
