import { createServer, Server } from 'node:http';
import { Client } from 'pg';
import { RETRACTION } from '../helpers/fixtures';
import { until } from '../helpers/until';
import { AppProcess, drillEnv } from './lib/app';
import { printFigures } from './lib/figures';
import { must } from './lib/http';
import { sleep } from './lib/load';
import { scale } from './lib/scale';
import { cleanUp, freePort, onCleanUp, sharedDatabase, startRedis } from './lib/services';
import { Actors, createActors } from './lib/world';

/** A partner's webhook endpoint on a fixed port, which the drill takes down and brings back. */
class Endpoint {
  readonly received: { id: string; seq: number }[] = [];
  private server?: Server;
  constructor(readonly port: number) {}

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.received.push({ id: String(req.headers['x-event-id']), seq: Number(req.headers['x-event-seq']) });
        res.writeHead(204).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * A partner's webhook receiver down for DRILL_WEBHOOK_DOWN_S (60 s in the full set) while
 * events happen: once it is back, every event is delivered exactly once, in seq order.
 */
describe('drill: the webhook receiver down', () => {
  let api: AppProcess;
  let databaseUrl: string;
  let actors: Actors;

  beforeAll(async () => {
    databaseUrl = await sharedDatabase('webhooks');
    const redis = await startRedis();
    const env = drillEnv('webhooks', {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      WEBHOOK_RETRY_BASE_MS: process.env.DRILL_WEBHOOK_RETRY_BASE_MS ?? '1000',
    });
    api = await AppProcess.start('api', env);
    await AppProcess.start('worker', env);
    actors = await createActors(api);
  });

  afterAll(() => cleanUp());

  /** A disclosed penalty recorded and withdrawn: one `record.retracted` event. */
  const retraction = async (documentNo: string) => {
    const record = await must(
      api.url(`/api/v1/enterprises/${actors.uscc}/records`),
      {
        method: 'POST',
        token: actors.regulator,
        body: RETRACTION.penalty(documentNo),
      },
      201,
    );
    await must(
      api.url(`/api/v1/records/${record.json().id}/corrections`),
      { method: 'POST', token: actors.regulator, body: RETRACTION.withdrawal },
      201,
    );
  };

  it('delivers every event exactly once, in order, after the receiver returns', async () => {
    const endpoint = new Endpoint(await freePort());
    onCleanUp('webhook endpoint', () => endpoint.down());
    await endpoint.up();
    await must(
      api.url('/api/v1/webhooks'),
      {
        method: 'POST',
        apiKey: actors.apiKey,
        body: {
          url: `http://127.0.0.1:${endpoint.port}/hooks`,
          events: ['record.retracted'],
          secret: 'drill-webhook-secret-0123456789',
        },
      },
      201,
    );
    const perPhase = Math.max(3, Math.round(scale.webhookDownSeconds / 2));
    let made = 0;
    const events = async (n: number) => {
      for (let i = 0; i < n; i++) await retraction(`HOOK-${Date.now().toString(36)}-${made++}`);
    };

    await events(perPhase);
    await until('the first events to arrive', async () => endpoint.received.length >= perPhase, 60_000);
    await endpoint.down();
    const downAt = Date.now();
    await events(perPhase);
    await sleep(Math.max(0, scale.webhookDownSeconds * 1_000 - (Date.now() - downAt)));
    await endpoint.up();
    const upAt = Date.now();
    await events(perPhase);

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ id: string; seq: string }>(
      `SELECT id::text, seq::text FROM change_events WHERE type = 'record.retracted' ORDER BY seq`,
    );
    await db.end();
    const wanted = new Set(rows.map((r) => r.id));
    let allAt = 0;
    await until(
      'every event delivered',
      async () => {
        const got = new Set(endpoint.received.map((r) => r.id));
        if ([...wanted].every((id) => got.has(id))) return (allAt = Date.now());
        return false;
      },
      Math.max(120_000, 4 * scale.webhookDownSeconds * 1_000),
      100,
    ).catch(() => undefined);
    await sleep(2_000); // late duplicates, if any, would arrive now
    const ids = endpoint.received.map((r) => r.id);
    const delivered = new Set(ids.filter((id) => wanted.has(id)));
    const seqs = endpoint.received.map((r) => r.seq);
    const outOfOrder = seqs.filter((s, i) => i > 0 && s < seqs[i - 1]).length;

    printFigures('webhook-receiver-down', {
      'receiver down (s)': ((upAt - downAt) / 1_000).toFixed(1),
      'events made': made,
      'events in the outbox': wanted.size,
      'delivered after': delivered.size,
      lost: wanted.size - delivered.size,
      duplicated: ids.length - new Set(ids).size,
      'out of order': outOfOrder,
      'seconds to recover (all delivered after return)': allAt ? ((allAt - upAt) / 1_000).toFixed(1) : 'never',
    });

    expect(wanted.size).toBe(made);
    expect(delivered.size).toBe(wanted.size);
    expect(ids.length).toBe(new Set(ids).size);
    expect(outOfOrder).toBe(0);
  });
});
