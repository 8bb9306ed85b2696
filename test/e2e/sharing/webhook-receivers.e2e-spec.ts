import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { Delivery, webhookReceiver } from '../../../examples/webhook-receiver/receiver';
import { createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

/**
 * The receivers docs/integration.md shows, run as an integrator would run them: the TypeScript
 * one (standardwebhooks) in this process, the Java one (javax.crypto only) compiled with javac
 * and started with java when a JDK is installed. Each gets deliveries signed as the registry
 * signs them: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one
 * signature per secret that signs (two during a rotation's overlap).
 */

const JAVA_SOURCE = join(__dirname, '../../../examples/webhook-receiver/WebhookReceiver.java');
const HAS_JDK = spawnSync('javac', ['-version']).status === 0;
// CI installs a JDK (.ci/run): there the Java receiver is always run, never skipped.
if (process.env.CI && !HAS_JDK)
  throw new Error('CI needs javac to run the Java webhook receiver (.ci/run installs it)');

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const OLD = whsec();
const NEW = whsec();

/** The headers the registry sends with `body`, signed at `at` by each of `secrets`. */
function signed(body: string, secrets: string[], at = new Date(), id = randomUUID()) {
  const signatures = secrets.map((s) => new Webhook(s).sign(id, at, body));
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

const event = (seq: number) =>
  JSON.stringify({
    id: randomUUID(),
    seq,
    type: 'blacklist.published',
    uscc: '91330100799655058B',
    occurredAt: new Date().toISOString(),
    data: { reasonCode: 'substandard_products', districtCode: '330302' },
  });

/** The cases each receiver must get right, as [what, body, headers, expected status]. */
function cases(): [string, string, Record<string, string>, number][] {
  const [one, two, three, four, five] = [1, 2, 3, 4, 5].map(event);
  return [
    ['a delivery signed with its secret', one, signed(one, [NEW]), 204],
    ["a delivery of a rotation's overlap, signed by both secrets", two, signed(two, [OLD, NEW]), 204],
    ['a body changed after signing', one.replace('"seq":1', '"seq":9'), signed(one, [NEW]), 401],
    ['a capture replayed ten minutes later', three, signed(three, [NEW], new Date(Date.now() - 600_000)), 401],
    ['a timestamp ten minutes ahead', four, signed(four, [NEW], new Date(Date.now() + 600_000)), 401],
    ['a delivery signed with another secret', five, signed(five, [whsec()]), 401],
  ];
}

/** The Java receiver compiled into `classes` (javac -Xlint:all -Werror), once per file. */
function compileJava(classes: string): void {
  const compiled = spawnSync('javac', ['-Xlint:all', '-Werror', '-d', classes, JAVA_SOURCE], { encoding: 'utf8' });
  expect(compiled.stderr).toBe('');
  expect(compiled.status).toBe(0);
}

/** Starts the compiled Java receiver on a free port with `secrets`; its output lines gather in `out`. */
async function startJava(
  classes: string,
  secrets: string[],
  out: string[],
): Promise<{ port: number; java: ChildProcess }> {
  const java = spawn('java', ['-cp', classes, 'WebhookReceiver', '0'], {
    env: { ...process.env, WEBHOOK_SECRETS: secrets.join(' ') },
  });
  const port = await new Promise<number>((resolve, reject) => {
    java.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out.push(...chunk.split('\n').filter(Boolean));
      const listening = out.map((l) => /^listening on (\d+)$/.exec(l)).find(Boolean);
      if (listening) resolve(Number(listening[1]));
    });
    java.on('exit', (code) => reject(new Error(`java exited with ${code}: ${out.join('\n')}`)));
  });
  return { port, java };
}

const post = (port: number, body: string, headers: Record<string, string>) =>
  fetch(`http://127.0.0.1:${port}/webhooks`, { method: 'POST', body, headers }).then((r) => r.status);

describe('the example webhook receivers', () => {
  describe('in TypeScript (examples/webhook-receiver/receiver.ts, standardwebhooks)', () => {
    let server: Server;
    const taken: Delivery[] = [];
    beforeAll(async () => {
      server = webhookReceiver([NEW], (d) => void taken.push(d));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it.each(cases())('answers %s', async (_what, body, headers, status) => {
      expect(await post((server.address() as AddressInfo).port, body, headers)).toBe(status);
    });

    it('hands on only the verified deliveries, parsed', () => {
      expect(taken.map((d) => [d.type, d.seq])).toEqual([
        ['blacklist.published', 1],
        ['blacklist.published', 2],
      ]);
    });

    it('verifies with the old secret too while a rotation overlaps', async () => {
      const old = webhookReceiver([OLD], () => undefined);
      await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
      try {
        const body = event(6);
        expect(await post((old.address() as AddressInfo).port, body, signed(body, [OLD, NEW]))).toBe(204);
        expect(await post((old.address() as AddressInfo).port, body, signed(body, [NEW]))).toBe(401);
      } finally {
        await new Promise<void>((resolve) => old.close(() => resolve()));
      }
    });
  });

  (HAS_JDK ? describe : describe.skip)('in Java (examples/webhook-receiver/WebhookReceiver.java, javax.crypto)', () => {
    let java: ChildProcess;
    let port: number;
    const out: string[] = [];
    const classes = mkdtempSync(join(tmpdir(), 'qc-java-receiver-'));

    beforeAll(async () => {
      compileJava(classes);
      ({ port, java } = await startJava(classes, [NEW], out));
    }, 60_000);
    afterAll(() => {
      java?.kill();
      rmSync(classes, { recursive: true, force: true });
    });

    it.each(cases())('answers %s', async (_what, body, headers, status) => {
      expect(await post(port, body, headers)).toBe(status);
    });

    it('prints each verified delivery with its webhook-id', async () => {
      const verified = () => out.filter((l) => l.startsWith('verified '));
      await until('the verified deliveries printed', async () => verified().length >= 2, 10_000, 20);
      expect(verified()).toHaveLength(2);
    });
  });

  describe("against the registry's own deliveries: a ping, then a rotation's overlap", () => {
    let t: TestApp;
    let key: string;
    let ts: Server;
    const tsSecrets: string[] = [];
    const taken: Delivery[] = [];
    const call = (method: 'GET' | 'POST', url: string, body?: unknown) =>
      t.request({ method, url: `/api/v1${url}`, headers: { 'x-api-key': key }, body });
    /** Pings the subscription and waits for the ping's delivery to end; returns it. */
    const ping = async (hook: string) => {
      const sent = await call('POST', `/webhooks/${hook}/ping`);
      expect(sent.statusCode).toBe(202);
      const { deliveryId } = sent.json();
      return until(
        'the ping delivered',
        async () => {
          const items: { id: number; status: string }[] = (
            await t.request({ method: 'GET', url: sent.headers.location as string, headers: { 'x-api-key': key } })
          ).json().items;
          return items.find((d) => d.id === deliveryId && d.status === 'delivered');
        },
        30_000,
        50,
      );
    };

    beforeAll(async () => {
      t = await TestApp.start(__filename, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '100' });
      key = (await createKey(t, await t.loginAdmin(), ['webhooks:manage'])).key;
      ts = webhookReceiver(tsSecrets, (d) => void taken.push(d));
      await new Promise<void>((resolve) => ts.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => ts.close(() => resolve()));
      await t.close();
    });

    it('the TypeScript receiver verifies a ping, and with the new secret alone during the overlap', async () => {
      const created = await call('POST', '/webhooks', {
        url: `http://127.0.0.1:${(ts.address() as AddressInfo).port}/webhooks`,
        events: ['blacklist.published'],
      });
      expect(created.statusCode).toBe(201);
      tsSecrets.push(created.json().secret); // made by the registry, shown once
      expect(await ping(created.json().id)).toMatchObject({ eventType: 'ping', lastStatusCode: 204 });
      expect(taken.map((d) => d.type)).toEqual(['ping']);
      const rotated = await call('POST', `/webhooks/${created.json().id}/secret/rotate`, { overlapHours: 24 });
      tsSecrets.splice(0, 1, rotated.json().secret); // the receiver moves to the new secret at once
      expect(await ping(created.json().id)).toMatchObject({ lastStatusCode: 204 });
      expect(taken.map((d) => d.type)).toEqual(['ping', 'ping']);
    });

    (HAS_JDK ? it : it.skip)(
      'the Java receiver verifies a ping, and with the old secret alone during the overlap',
      async () => {
        const classes = mkdtempSync(join(tmpdir(), 'qc-java-receiver-'));
        const secret = whsec(); // chosen by the integrator this time
        const out: string[] = [];
        compileJava(classes);
        const { port, java } = await startJava(classes, [secret], out);
        try {
          const created = await call('POST', '/webhooks', {
            url: `http://127.0.0.1:${port}/webhooks`,
            events: ['blacklist.published'],
            secret,
          });
          expect(created.statusCode).toBe(201);
          expect(await ping(created.json().id)).toMatchObject({ eventType: 'ping', lastStatusCode: 204 });
          const rotated = await call('POST', `/webhooks/${created.json().id}/secret/rotate`, { overlapHours: 24 });
          expect(rotated.statusCode).toBe(200);
          // Not yet moved to the new secret: the old one's signature, beside the new one's, verifies.
          expect(await ping(created.json().id)).toMatchObject({ lastStatusCode: 204 });
          await until('both pings printed', async () => out.filter((l) => l.startsWith('verified ')).length === 2);
        } finally {
          java.kill();
          rmSync(classes, { recursive: true, force: true });
        }
      },
      60_000,
    );
  });
});
