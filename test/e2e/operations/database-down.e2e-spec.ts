import { Client } from 'pg';
import { Relay } from '../../helpers/relay';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

describe('the database out of reach', () => {
  let t: TestApp;
  let replica: TestApp;
  const relay = new Relay(() => t.config.DATABASE_URL);

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    await relay.open();
    replica = await t.replica({}, { DATABASE_URL: relay.url() });
  }, 60_000);
  afterAll(async () => {
    await relay.close();
    await replica?.close();
    await t?.close();
  });

  const districts = () => replica.request({ method: 'GET', url: '/api/v1/districts' });
  /** Back in service: a pooled connection that died with the server may fail one more request (with 503). */
  const served = () =>
    until('the replica to serve again', async () => (await districts()).statusCode === 200, 5000, 20);

  function expectUnavailable(res: Awaited<ReturnType<typeof districts>>): void {
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({
      type: 'urn:quality-credit:problem:database-unavailable',
      status: 503,
      detail: 'The database cannot be reached right now; retry shortly',
    });
  }

  it('answers 503 with Retry-After while the server is down, and serves again once it is back', async () => {
    expect((await districts()).statusCode).toBe(200);
    await relay.close();
    try {
      expectUnavailable(await districts());
    } finally {
      await relay.open(); // the same port
    }
    await served();
  });

  it('answers 503 to a request whose connection the server terminates mid-query', async () => {
    const blocker = new Client({ connectionString: t.config.DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE districts IN ACCESS EXCLUSIVE MODE');
      const waiting = districts();
      const [{ pid }] = await until('the request to wait on the lock', async () => {
        const rows = await t.sql<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        return rows.length ? rows : undefined;
      });
      await t.sql('SELECT pg_terminate_backend($1)', [pid]); // 57P01 admin_shutdown, as a server stopping sends
      expectUnavailable(await waiting);
    } finally {
      await blocker.end();
    }
    await served();
  });
});
