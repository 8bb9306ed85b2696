import { CODES, createKey } from './helpers/fixtures';
import { TestApp } from './helpers/test-app';
import { until } from './helpers/until';
import { Receiver } from './helpers/webhooks';

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
});
