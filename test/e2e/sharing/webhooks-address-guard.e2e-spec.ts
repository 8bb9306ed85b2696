import { createServer, type Server } from 'node:net';
import { CODES, createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { Receiver } from '../../helpers/webhooks';

/** With private targets not allowed (the default), no form of a private address is accepted or reached. */
describe('webhooks: address guard', () => {
  let t: TestApp;
  let receiver: Receiver;
  let key: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename, { WEBHOOK_ALLOW_PRIVATE: 'false' });
    key = (await createKey(t, await t.loginAdmin(), ['webhooks:manage'])).key;
    receiver = await Receiver.start();
  });
  // Nothing should arrive; what would must verify with the standardwebhooks package.
  afterEach(() => receiver.checkVerified());
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const subscribe = (url: string) =>
    t.request({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: { 'x-api-key': key },
      body: { url, events: ['record.retracted'], secret: 'address-guard-secret-0123' },
    });

  it.each([
    'http://[::127.0.0.1]/hook',
    'http://[::a9fe:a9fe]/latest',
    'http://[::a00:1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:a9fe:a9fe]/latest',
    'http://[64:ff9b::a9fe:a9fe]/latest',
    'http://[64:ff9b::10.0.0.1]/hook',
    'http://[2002:7f00:1::1]/hook',
    'http://[2002:c0a8:101::]/hook',
    'http://0x7f.1/hook',
    'http://2130706433/hook',
  ])('refuses %s with a 400 naming url', async (url) => {
    const res = await subscribe(url);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      type: 'urn:quality-credit:problem:webhook-url-refused',
      errors: [{ field: 'url', message: 'must resolve to public addresses only' }],
    });
  });

  it('does not deliver to a loopback subscription written straight into the database', async () => {
    const created = await subscribe('http://8.8.8.8/hook'); // public: accepted, then pointed home by hand
    expect(created.statusCode).toBe(201);
    const port = new URL(receiver.url('/')).port;
    const id = created.json().id as string;
    const [mapped] = await t.sql<{ id: string }>(
      `INSERT INTO webhook_subscriptions (institution_id, url, events, scope, secret, cursor)
       SELECT institution_id, $2, events, scope, secret, cursor FROM webhook_subscriptions WHERE id = $1
       RETURNING id::text`,
      [id, `http://[::ffff:127.0.0.1]:${port}/mapped`],
    );
    await t.sql(`UPDATE webhook_subscriptions SET url = $2 WHERE id = $1`, [id, `http://127.0.0.1:${port}/v4`]);
    await t.sql(`INSERT INTO change_events (type, uscc, data) VALUES ('record.retracted', $1, '{}')`, [CODES.beijing]);

    for (const hook of [id, mapped.id]) {
      const tried = await until(`the attempt of ${hook}`, async () => {
        const res = await t.request({
          method: 'GET',
          url: `/api/v1/webhooks/${hook}/deliveries`,
          headers: { 'x-api-key': key },
        });
        return (res.json().items as { attempts: number; status: string; lastError: string | null }[]).find(
          (d) => d.attempts >= 1,
        );
      });
      expect(tried.status).toBe('pending'); // failed, to be retried (and refused again)
      expect(tried.lastError).toMatch(/is not a public address/);
    }
    expect(receiver.received).toEqual([]);
  });

  it("names no address a refused name resolves to (it would map the registry's network)", async () => {
    const res = await subscribe('http://localhost:8080/hook');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('localhost is not, or resolves to an address that is not, a public address');
    expect(JSON.stringify(res.json())).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('never connects to a private IP literal written into the database, so open and closed ports look alike', async () => {
    let connections = 0;
    const listening: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const created = await subscribe('http://8.8.8.8/scan');
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;
      const [other] = await t.sql<{ id: string }>(
        `INSERT INTO webhook_subscriptions (institution_id, url, events, scope, secret, cursor)
         SELECT institution_id, $2, events, scope, secret, cursor FROM webhook_subscriptions WHERE id = $1
         RETURNING id::text`,
        [id, `http://127.0.0.1:${closedPort}/closed`],
      );
      const open = (listening.address() as { port: number }).port;
      await t.sql(`UPDATE webhook_subscriptions SET url = $2 WHERE id = $1`, [id, `http://127.0.0.1:${open}/open`]);
      await t.sql(`INSERT INTO change_events (type, uscc, data) VALUES ('record.retracted', $1, '{}')`, [
        CODES.beijing,
      ]);
      const errors: string[] = [];
      for (const hook of [id, other.id]) {
        const tried = await until(`the attempt of ${hook}`, async () => {
          const res = await t.request({
            method: 'GET',
            url: `/api/v1/webhooks/${hook}/deliveries`,
            headers: { 'x-api-key': key },
          });
          return (res.json().items as { attempts: number; lastError: string | null }[]).find((d) => d.attempts >= 1);
        });
        errors.push(tried.lastError!);
      }
      expect(errors).toEqual(['127.0.0.1 is not a public address', '127.0.0.1 is not a public address']);
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });
});
