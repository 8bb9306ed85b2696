import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { TestApp } from './helpers/test-app';
import { until } from './helpers/until';

/**
 * A TCP relay to the shared PostgreSQL that the test can take away and bring back: the replica
 * behind it sees its database server go down, and no other test's database is touched.
 */
class Relay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  /** `databaseUrl`: the server the test app uses (TEST_DATABASE_SERVER may move it off 127.0.0.1:5432). */
  constructor(private readonly databaseUrl: () => string) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      const { hostname, port } = new URL(this.databaseUrl());
      upstream.connect(Number(port || 5432), hostname.replace(/^\[(.*)\]$/, '$1'));
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The server is gone: open connections drop, new ones are refused. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('the database out of reach', () => {
  let t: TestApp;
  let replica: TestApp;
  const relay = new Relay(() => t.config.DATABASE_URL);

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    await relay.open();
    const url = new URL(t.config.DATABASE_URL);
    url.host = `127.0.0.1:${relay.port}`;
    replica = await t.replica({}, { DATABASE_URL: url.toString() });
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
