import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisClusterHandle, startRedisCluster } from '../../../deploy/local/engines/redis';
import { bullPrefix } from '../../../src/jobs/bull-connections';
import { openRedis } from '../../../src/redis/connections';
import { limitedAcross, recomputed, revokedEverywhere } from '../../helpers/redis-topologies';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { schedulesKept, seedGradingWorld } from '../../helpers/workers';

/**
 * The app on a Redis Cluster of private servers (REDIS_CLUSTER_NODES; ports 56120–56125, their
 * bus 56170–56175): jobs run and the schedules are kept, every key of the queues is in one slot,
 * the public rate limit holds across two replicas, a revoked API key is refused by the other
 * replica at once; and all of it again once the master holding the queues was killed.
 */

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

  it('runs jobs again once the master holding the queues was killed and its replica took over', async () => {
    const app = t!;
    const admin = await app.loginAdmin();
    const redis = openRedis(app.config.redis);
    let queues: number;
    try {
      // The master serving the queues' slot: [from, to, [host, port, id], replicas…] per range.
      const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', bullPrefix(app.config)));
      const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      queues = ranges.find(([from, to]) => from <= slot && slot <= to)![2][1];
    } finally {
      redis.disconnect();
    }
    await cluster!.killMaster(queues);
    const healthyAfterMs = await cluster!.waitHealthy(30_000);
    expect(await cluster!.masters()).not.toContain(queues);
    const started = Date.now();
    expect(await recomputed(app, admin)).toBe(300);
    await until('the schedules on the promoted replica', () => schedulesKept(app));
    await limitedAcross(app, other!, '203.0.113.43');
    console.log(
      `cluster: master ${queues} killed; ok again after ${healthyAfterMs} ms, a recompute ran in ${Date.now() - started} ms`,
    );
  }, 60_000);
});
