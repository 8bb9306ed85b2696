import { RedisClusterHandle, startRedisCluster } from '../../../deploy/local/engines/redis';
import { bullPrefix } from '../../../src/jobs/bull-connections';
import { openRedis } from '../../../src/redis/connections';
import { createKey } from '../../helpers/fixtures';
import { AppOnRedis, ENTERPRISES, limitedAcross, recomputed, revokedEverywhere } from '../../helpers/redis-topologies';
import { until } from '../../helpers/until';
import { schedulesKept } from '../../helpers/workers';

/**
 * The app on a Redis Cluster of private servers (REDIS_CLUSTER_NODES; ports 30120–30125, their
 * bus 30170–30175; below Linux's ephemeral ports, so no outgoing connection holds one): jobs run and the schedules are kept, every key of the queues is in one slot,
 * the public rate limit holds across two replicas, a revoked API key is refused by the other
 * replica at once; and all of it again once the master holding the queues was killed.
 */

describe('the app on a Redis Cluster', () => {
  const world = new AppOnRedis<RedisClusterHandle>();
  beforeAll(
    () =>
      world.start(
        __filename,
        (root) => startRedisCluster(root, [30120, 30121, 30122, 30123, 30124, 30125], 50),
        (cluster) => ({ REDIS_CLUSTER_NODES: cluster.seeds }),
      ),
    90_000,
  );
  afterAll(() => world.close(), 60_000);
  const t = () => world.t!;
  const other = () => world.other!;
  const cluster = () => world.redis!;

  it('runs a job, keeps the schedules, and keeps every key of the queues in one slot', async () => {
    const app = t();
    const admin = await app.loginAdmin();
    expect(await recomputed(app, admin)).toBe(ENTERPRISES);
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

  it('holds the public rate limit across replicas', () => limitedAcross(t(), other(), '203.0.113.41'));

  it('refuses a revoked API key on the other replica within a second', async () => {
    expect(await revokedEverywhere(t(), other(), await t().loginAdmin())).toBeLessThan(1_000);
  });

  it('refuses revoked API keys on a replica whose subscription lost its node', async () => {
    const app = t();
    const admin = await app.loginAdmin();
    const channel = `${app.config.REDIS_PREFIX}:api-keys:revoked`;
    const subscribed = async () => [...(await cluster().subscribers(channel)).values()].reduce((a, b) => a + b, 0);
    const before = await cluster().subscribers(channel);
    const third = await app.replica({}, { ROLE: 'api' });
    let killed: number | undefined;
    try {
      // The node the new replica listens for revocations on: the one with a subscriber more.
      const after = await cluster().subscribers(channel);
      const node = cluster().ports.find((port) => (after.get(port) ?? 0) > (before.get(port) ?? 0));
      expect(node).toBeDefined();
      const everyone = await subscribed();
      // A key revoked while the replica's subscription moves to another node: its announcement is
      // lost (it is revoked in the database alone), so only forgetting what was cached refuses it.
      const lost = await createKey(app, admin, ['status:read']);
      const call = (key: string) =>
        third.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
      expect((await call(lost.key)).statusCode).toBe(200);
      const refusedAfterMs = await revokedEverywhere(app, third, admin, async () => {
        killed = await cluster().killMaster(node);
        await app.sql(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [lost.keyId]);
      });
      expect(refusedAfterMs).toBeLessThan(1_000);
      await until('the replica to subscribe again on another node', async () => (await subscribed()) === everyone);
      expect((await call(lost.key)).statusCode).toBe(401);
    } finally {
      await third.close();
      if (killed !== undefined) {
        await cluster().restart(killed);
        await cluster().waitHealthy(30_000);
      }
    }
  }, 60_000);

  it('runs jobs again once the master holding the queues was killed and its replica took over', async () => {
    const app = t();
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
    await cluster().killMaster(queues);
    const healthyAfterMs = await cluster().waitHealthy(30_000);
    expect(await cluster().masters()).not.toContain(queues);
    const started = Date.now();
    expect(await recomputed(app, admin)).toBe(ENTERPRISES);
    await until('the schedules on the promoted replica', () => schedulesKept(app));
    await limitedAcross(app, other(), '203.0.113.43');
    console.log(
      `cluster: master ${queues} killed; ok again after ${healthyAfterMs} ms, a recompute ran in ${Date.now() - started} ms`,
    );
  }, 60_000);
});
