import { Agent, get } from 'node:http';
import { Client } from 'pg';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

/** One request on a fresh connection: its status, or the error code when it got none. */
function onNewConnection(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

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
    // While the request drains, a newcomer is refused before it sends anything: accepted, it
    // could be reset when the process exits, after its request went out.
    expect(await onNewConnection(url)).toBe('ECONNREFUSED');

    await blocker.query('COMMIT');
    await blocker.end();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(13);
    await shutdown;
    expect(closed).toBe(true);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('drains kept-alive connections: each request sent on one is answered, and from the first moment each answer closes its connection', async () => {
    const d = await TestApp.start(`${__filename}-keep-alive`);
    await d.app.listen({ port: 0, host: '127.0.0.1' });
    const base = (await d.app.getUrl()).replace('[::1]', '127.0.0.1');
    const blocker = new Client({ connectionString: d.config.DATABASE_URL });
    try {
      // A request held by a lock keeps the drain going while the clients below keep sending.
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE districts IN ACCESS EXCLUSIVE MODE');
      const inFlight = fetch(`${base}/api/v1/districts`);
      await until('the request to wait on the lock', async () => {
        const [{ waiting }] = await d.sql<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        return waiting > 0;
      });

      let draining = false;
      let warm = 0;
      /** One client on one kept-alive connection, sending its next request as soon as it has an answer. */
      const client = async () => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        const seen = { keptAliveDuringDrain: 0, resetAfterSending: 0, answered: 0 };
        try {
          for (;;) {
            const outcome = await new Promise<{ status?: number; close?: boolean; error?: string }>((resolve) => {
              const request = get(`${base}/health/live`, { agent }, (res) => {
                res.resume();
                res.on('end', () => resolve({ status: res.statusCode, close: res.headers.connection === 'close' }));
              });
              request.on('error', (error: NodeJS.ErrnoException) =>
                // On a reused connection, a reset means the server dropped a request it had been sent.
                resolve({ error: request.reusedSocket && error.code !== 'ECONNREFUSED' ? 'reset' : 'refused' }),
              );
            });
            if (outcome.error === 'reset') seen.resetAfterSending++;
            if (outcome.error) return seen; // refused: a clean close came before this request was sent
            if (seen.answered++ === 0) warm++;
            if (draining && !outcome.close) seen.keptAliveDuringDrain++;
            if (outcome.close) return seen;
          }
        } finally {
          agent.destroy();
        }
      };
      const clients = Array.from({ length: 8 }, client);
      await until('every client to hold a kept-alive connection', async () => warm === 8, 10_000, 5);
      draining = true;
      const shutdown = d.shutdown();
      const results = await Promise.all(clients);
      await blocker.query('COMMIT');
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(response.headers.get('connection')).toBe('close');
      await shutdown;
      expect(results.map((r) => r.resetAfterSending)).toEqual(Array(8).fill(0));
      // At most the request already on its way when the drain began is answered keeping the connection.
      for (const r of results) expect(r.keptAliveDuringDrain).toBeLessThanOrEqual(1);
    } finally {
      await blocker.end();
      await d.close();
    }
  });
});
