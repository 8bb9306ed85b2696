import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RedisClusterHandle,
  SentinelHandle,
  startRedisCluster,
  startSentinel,
} from '../../../deploy/local/engines/redis';
import { bullPrefix } from '../../../src/jobs/bull-connections';
import { openRedis } from '../../../src/redis/connections';
import { createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { schedulesKept, seedGradingWorld } from '../../helpers/workers';

/**
 * The app on a Redis Cluster (REDIS_CLUSTER_NODES) and on a Sentinel-watched master
 * (redis+sentinel:// in REDIS_URL), each on private servers (ports 56120–56175): jobs run, the
 * schedules are kept, the public rate limit holds across two replicas, a revoked API key is
 * refused by the other replica at once; under Sentinel also across a failover.
 */

/** A full recompute started through the API, waited for until it completes; the number of enterprises it graded. */
async function recomputed(t: TestApp, admin: string): Promise<number> {
  const started = await t.request({ method: 'POST', url: '/api/v1/classification/recompute', token: admin });
  expect(started.statusCode).toBe(202);
  const jobId: string = started.json().jobId;
  const done = await until(
    `recompute ${jobId} to end`,
    async () => {
      const body = (
        await t.request({ method: 'GET', url: `/api/v1/jobs/${encodeURIComponent(jobId)}`, token: admin })
      ).json();
      return ['completed', 'failed'].includes(body.state) && body;
    },
    30_000,
    200,
  );
  expect(done).toMatchObject({ state: 'completed' });
  const [{ graded }] = await t.sql<{ graded: number }>(`SELECT count(*)::int AS graded FROM classifications`);
  return graded;
}

/** A revoked key: refused by the replica that revoked it at once, and by `other` within a second (the announcement). */
async function revokedEverywhere(t: TestApp, other: TestApp, admin: string): Promise<number> {
  const { key, keyId } = await createKey(t, admin, ['status:read']);
  const call = (app: TestApp) =>
    app.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
  expect((await call(t)).statusCode).toBe(200);
  expect((await call(other)).statusCode).toBe(200); // cached there now
  expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${keyId}`, token: admin })).statusCode).toBe(204);
  expect((await call(t)).statusCode).toBe(401);
  const started = Date.now();
  await until(
    'the other replica to refuse the revoked key',
    async () => (await call(other)).statusCode === 401,
    1_000,
    10,
  );
  return Date.now() - started;
}

/** PUBLIC_RATE_LIMIT=3: three requests from one address pass over both replicas together, the fourth is refused. */
async function limitedAcross(t: TestApp, other: TestApp, address: string): Promise<void> {
  const reasons = (app: TestApp) =>
    app.request({ method: 'GET', url: '/api/v1/blacklist-reasons', remoteAddress: address });
  const statuses = [await reasons(t), await reasons(other), await reasons(t), await reasons(other)].map(
    (res) => res.statusCode,
  );
  expect(statuses).toEqual([200, 200, 200, 429]);
}

describe('the app on a Redis Cluster', () => {
  let root: string;
  let cluster: RedisClusterHandle | undefined;
  let t: TestApp | undefined;
  let other: TestApp | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'qc-redis-cluster-'));
    cluster = await startRedisCluster(root, [56120, 56121, 56122, 56123, 56124, 56125], 50);
    t = await TestApp.start(__filename, { REDIS_CLUSTER_NODES: cluster.seeds, PUBLIC_RATE_LIMIT: '3' });
    other = await t.replica({}, { ROLE: 'api' });
    await seedGradingWorld(t, 300);
  }, 90_000);
  afterAll(async () => {
    try {
      await other?.close();
      await t?.close();
    } finally {
      await cluster?.stop();
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  it('runs a job, keeps the schedules, and keeps every key of the queues in one slot', async () => {
    const app = t!;
    const admin = await app.loginAdmin();
    expect(await recomputed(app, admin)).toBe(300);
    await until('the schedules', () => schedulesKept(app));
    // Bull's keys, read from the cluster itself: all under the hash tag, so all on one master.
    const redis = openRedis(app.config.redis);
    try {
      const prefix = bullPrefix(app.config);
      expect(await redis.zcard(`${prefix}:recomputes:repeat`)).toBeGreaterThan(0);
      const slots = new Set(
        await Promise.all(
          ['recomputes:repeat', 'classification:completed', 'maintenance:id'].map((key) =>
            redis.call('CLUSTER', 'KEYSLOT', `${prefix}:${key}`),
          ),
        ),
      );
      expect(slots.size).toBe(1);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('holds the public rate limit across replicas', () => limitedAcross(t!, other!, '203.0.113.41'));

  it('refuses a revoked API key on the other replica within a second', async () => {
    expect(await revokedEverywhere(t!, other!, await t!.loginAdmin())).toBeLessThan(1_000);
  });
});

describe('the app on a Sentinel-watched master', () => {
  let root: string;
  let sentinel: SentinelHandle | undefined;
  let t: TestApp | undefined;
  let other: TestApp | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'qc-redis-sentinel-'));
    sentinel = await startSentinel(root, { master: 56130, replica: 56131, sentinels: [56132, 56133, 56134] });
    t = await TestApp.start(__filename, { REDIS_URL: sentinel.url, PUBLIC_RATE_LIMIT: '3' });
    other = await t.replica({}, { ROLE: 'api' });
    await seedGradingWorld(t, 300);
  }, 90_000);
  afterAll(async () => {
    try {
      await other?.close();
      await t?.close();
    } finally {
      await sentinel?.stop();
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  it('runs jobs, limits and revokes before and after a failover', async () => {
    const app = t!;
    const admin = await app.loginAdmin();
    expect(await recomputed(app, admin)).toBe(300);
    expect(await revokedEverywhere(app, other!, admin)).toBeLessThan(1_000);
    const before = await sentinel!.master();
    const after = await sentinel!.failover();
    expect(after).not.toBe(before);
    // On the new master: a job queued and run, the schedules there again, counts and announcements.
    expect(await recomputed(app, admin)).toBe(300);
    await until('the schedules on the new master', () => schedulesKept(app));
    await limitedAcross(app, other!, '203.0.113.42');
    expect(await revokedEverywhere(app, other!, admin)).toBeLessThan(1_000);
  }, 80_000);
});
