import { SentinelHandle, startSentinel } from '../../../deploy/local/engines/redis';
import { AppOnRedis, ENTERPRISES, limitedAcross, recomputed, revokedEverywhere } from '../../helpers/redis-topologies';
import { until } from '../../helpers/until';
import { schedulesKept } from '../../helpers/workers';

/**
 * The app on a master that Sentinel watches (redis+sentinel:// in REDIS_URL, REDIS_SENTINEL_PASSWORD;
 * private servers on ports 30130–30134, below Linux's ephemeral ports, all requiring a password): a job runs, a revoked API key is refused by the other replica at once, and
 * after a failover jobs run, the schedules are there, the rate limit counts and keys are revoked.
 */

describe('the app on a Sentinel-watched master', () => {
  const world = new AppOnRedis<SentinelHandle>();
  beforeAll(
    () =>
      world.start(
        __filename,
        // The servers and the sentinels each require a password of their own: the servers' in the
        // URL, the sentinels' in REDIS_SENTINEL_PASSWORD.
        (root) =>
          startSentinel(root, { master: 30130, replica: 30131, sentinels: [30132, 30133, 30134] }, 'qc', {
            password: 'e2e-data-s3cret',
            sentinelPassword: 'e2e-watch-s3cret',
          }),
        (sentinel) => ({ REDIS_URL: sentinel.url, REDIS_SENTINEL_PASSWORD: sentinel.sentinelPassword }),
      ),
    90_000,
  );
  afterAll(() => world.close(), 60_000);
  const t = () => world.t!;
  const other = () => world.other!;
  const sentinel = () => world.redis!;

  it('runs jobs, limits and revokes before and after a failover', async () => {
    const app = t();
    const admin = await app.loginAdmin();
    expect(await recomputed(app, admin)).toBe(ENTERPRISES);
    expect(await revokedEverywhere(app, other(), admin)).toBeLessThan(1_000);
    const before = await sentinel().master();
    const failing = Date.now();
    const after = await sentinel().failover();
    expect(after).not.toBe(before);
    const switched = Date.now();
    // On the new master: a job queued and run, the schedules there again, counts and announcements.
    expect(await recomputed(app, admin)).toBe(ENTERPRISES);
    await until('the schedules on the new master', () => schedulesKept(app));
    await limitedAcross(app, other(), '203.0.113.42');
    expect(await revokedEverywhere(app, other(), admin)).toBeLessThan(1_000);
    console.log(
      `sentinel: failover ${before} → ${after} over (old master following) after ${switched - failing} ms; a recompute, the limit and a revocation ${Date.now() - switched} ms after`,
    );
  }, 80_000);
});
