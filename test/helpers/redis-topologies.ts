import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from './fixtures';
import { TestApp } from './test-app';
import { until } from './until';
import { seedGradingWorld } from './workers';

/**
 * What the tests of the app on a Redis Cluster and on Sentinel check on each (and after a
 * failover): a job runs, the public rate limit holds across two replicas, and a revoked API key
 * is refused by the other replica within a second (an announcement over pub/sub).
 */

/** Enterprises the app on each Redis grades (a recompute of them takes about a second). */
export const ENTERPRISES = 300;

/**
 * Redis run by `start` under a temporary folder, the app on it (PUBLIC_RATE_LIMIT 3, ENTERPRISES
 * to grade) and a second api replica; `close()` stops whatever of them started, Redis last.
 */
export class AppOnRedis<R extends { stop(): Promise<void> }> {
  redis?: R;
  t?: TestApp;
  other?: TestApp;
  private root?: string;

  async start(testFile: string, start: (root: string) => Promise<R>, env: (redis: R) => NodeJS.ProcessEnv) {
    this.root = await mkdtemp(join(tmpdir(), 'qc-redis-'));
    this.redis = await start(this.root);
    this.t = await TestApp.start(testFile, { ...env(this.redis), PUBLIC_RATE_LIMIT: '3' });
    this.other = await this.t.replica({}, { ROLE: 'api' });
    await seedGradingWorld(this.t, ENTERPRISES);
  }

  async close(): Promise<void> {
    try {
      await this.other?.close();
      await this.t?.close();
    } finally {
      await this.redis?.stop();
      if (this.root) await rm(this.root, { recursive: true, force: true });
    }
  }
}

/** A full recompute started through the API, waited for until it completes; the number of enterprises it graded. */
export async function recomputed(t: TestApp, admin: string): Promise<number> {
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

/**
 * A revoked key: refused by the replica that revoked it at once, and by `other` within a second
 * (the announcement). `meanwhile` runs once `other` has cached the key, before it is revoked.
 */
export async function revokedEverywhere(
  t: TestApp,
  other: TestApp,
  admin: string,
  meanwhile?: () => Promise<unknown>,
): Promise<number> {
  const { key, keyId } = await createKey(t, admin, ['status:read']);
  const call = (app: TestApp) =>
    app.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
  expect((await call(t)).statusCode).toBe(200);
  expect((await call(other)).statusCode).toBe(200); // cached there now
  await meanwhile?.();
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
export async function limitedAcross(t: TestApp, other: TestApp, address: string): Promise<void> {
  const reasons = (app: TestApp) =>
    app.request({ method: 'GET', url: '/api/v1/blacklist-reasons', remoteAddress: address });
  const statuses = [await reasons(t), await reasons(other), await reasons(t), await reasons(other)].map(
    (res) => res.statusCode,
  );
  expect(statuses).toEqual([200, 200, 200, 429]);
}
