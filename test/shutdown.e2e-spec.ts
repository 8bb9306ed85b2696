import { Client } from 'pg';
import { TestApp } from './helpers/test-app';
import { until } from './helpers/until';

describe('graceful shutdown', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start(__filename);
  });
  afterAll(() => t.close());

  it('finishes a request in flight before closing, and refuses new connections after', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${await t.app.getUrl()}/api/v1/districts`.replace('[::1]', '127.0.0.1');

    // Hold a lock so that the request is still running when shutdown begins.
    const blocker = new Client({ connectionString: t.config.DATABASE_URL });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE districts IN ACCESS EXCLUSIVE MODE');

    const inFlight = fetch(url);
    // Wait until the request's query is waiting on the lock. Asked outside the blocker's
    // transaction: within one, pg_stat_activity is a snapshot taken at its first read.
    await until('the request to wait on the lock', async () => {
      const [{ waiting }] = await t.sql<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
      );
      return waiting > 0;
    });
    let closed = false;
    const shutdown = t.shutdown().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);

    await blocker.query('COMMIT');
    await blocker.end();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(13);
    await shutdown;
    expect(closed).toBe(true);
    await expect(fetch(url)).rejects.toThrow();
  });
});
