import Redis from 'ioredis';
import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { BlacklistWorld } from '../../helpers/blacklist';
import { adminDatabaseUrl } from '../../helpers/databases';
import { CODES, createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { FlowingClock } from '../../helpers/clock';
import { Receiver, retractedRecord, verifies } from '../../helpers/webhooks';
import { bullPrefix } from '../../../src/jobs/bull-connections';

const SECRET = 'bank-webhook-secret-0123456789';
const TAX_SECRET = 'tax-webhook-secret-9876543210';
const ALL_TYPES = ['classification.changed', 'blacklist.published', 'blacklist.removed', 'record.retracted'];

describe('webhooks', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  let receiver: Receiver;
  let bank: { key: string; institutionId: string };
  let tax: { key: string; institutionId: string };
  let bankHook: string;
  let taxHook: string;
  let entryId: string;
  let startSeq: number;
  const clock = new FlowingClock(new Date());
  const uscc = CODES.wenzhouLike;

  beforeAll(async () => {
    clock.set('2026-03-02T02:00:00Z'); // Monday 10:00 in Beijing
    t = await TestApp.start(__filename, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '100' }, { clock });
    w = await BlacklistWorld.create(t, clock, [uscc, CODES.beijing]);
    const admin = await t.loginAdmin();
    bank = await createKey(t, admin, ['webhooks:manage', 'feed:read']);
    tax = await createKey(t, admin, ['webhooks:manage'], {
      name: '国家税务总局温州市税务局',
      kind: 'tax',
      departmentCode: 'STAX',
    });
    receiver = await Receiver.start();
    receiver.expectSigned('/bank', SECRET);
    receiver.expectSigned('/tax', TAX_SECRET);
    receiver.expectSigned('/moved', SECRET);
    receiver.expectSigned('/watched', SECRET);
  });
  // Every delivery verifies with the standardwebhooks package, as an integrator's receiver would.
  afterEach(() => receiver.checkVerified());
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const as = (key: string) => ({ 'x-api-key': key });
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string, body?: unknown) =>
    t.request({ method, url: `/api/v1${url}`, headers: as(key), body });
  const subscribe = async (key: string, body: Record<string, unknown>) => {
    const res = await call('POST', '/webhooks', key, body);
    if (res.statusCode !== 201) throw new Error(`subscribe: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const outbox = (after: number, types = ALL_TYPES) =>
    t.sql<{ seq: string; id: string; type: string }>(
      // By the column: a bare `seq` names the text output column and sorts 10 before 9.
      `SELECT e.seq::text, e.id::text, e.type FROM change_events e WHERE e.seq > $1 AND e.type = ANY($2) ORDER BY e.seq`,
      [after, types],
    );
  const deliveries = async (id: string, key = bank.key) => {
    const res = await call('GET', `/webhooks/${id}/deliveries?pageSize=500`, key);
    expect(res.statusCode).toBe(200);
    return res.json().items as {
      eventId: string;
      id: number;
      eventSeq: number | null;
      eventType: string;
      status: string;
      attempts: number;
      lastStatusCode: number | null;
      lastDurationMs: number | null;
      lastError: string | null;
      nextAttemptAt: string | null;
      attemptLog: { statusCode: number | null; error: string | null }[];
    }[];
  };
  /** Every wanted outbox event after `after` delivered to `id`, and nothing pending. */
  const allDelivered = (id: string, after: number, key = bank.key, types = ALL_TYPES) =>
    until(`deliveries of ${id}`, async () => {
      const [expected, made] = await Promise.all([outbox(after, types), deliveries(id, key)]);
      const delivered = new Set(made.filter((d) => d.status === 'delivered').map((d) => d.eventId));
      return (
        expected.length > 0 &&
        expected.every((e) => delivered.has(e.id)) &&
        !made.some((d) => d.status === 'pending') &&
        expected
      );
    });
  /** The successful requests of `path`, checked for their signature, as events. */
  const successes = (path: string, secret: string) =>
    receiver.on(path).flatMap((r) => {
      expect(r.headers['x-signature']).toBe(`sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
      expect(r.verifiedWith).toContain(secret);
      const event = JSON.parse(r.body);
      expect(r.headers['webhook-id']).toBe(event.id);
      expect(r.headers['x-event-id']).toBe(event.id);
      expect(r.headers['x-event-seq']).toBe(String(event.seq));
      expect(r.headers['x-event-type']).toBe(event.type);
      return r.status === 200 ? [event as { id: string; seq: number; type: string; uscc: string }] : [];
    });

  it('signs and delivers a publication, retrying a failing receiver in seq order until each event arrived once', async () => {
    [{ seq: startSeq }] = (await t.sql<{ seq: number }>(
      `SELECT coalesce(max(seq), 0)::int AS seq FROM change_events`,
    )) as {
      seq: number;
    }[];
    const created = await subscribe(bank.key, { url: receiver.url('/bank'), events: ALL_TYPES, secret: SECRET });
    bankHook = created.id;
    expect(created).toEqual({
      id: expect.any(String),
      url: receiver.url('/bank'),
      events: ALL_TYPES,
      scope: 'all',
      cursor: startSeq,
      pending: 0,
      createdAt: expect.any(String),
      previousSecretValidUntil: null,
    });
    taxHook = (
      await subscribe(tax.key, {
        url: receiver.url('/tax'),
        events: ['blacklist.published', 'blacklist.removed'],
        secret: TAX_SECRET,
      })
    ).id;
    // The secret is never shown again, nor kept in the clear.
    const listed = await call('GET', '/webhooks', bank.key);
    expect(listed.json()).toEqual([expect.objectContaining({ id: bankHook })]);
    expect(listed.body).not.toContain(SECRET);
    const [stored] = await t.sql<{ secret: Buffer }>(`SELECT secret FROM webhook_subscriptions WHERE id = $1`, [
      bankHook,
    ]);
    expect(stored.secret.toString('latin1')).not.toContain(SECRET);
    // Another institution's subscription does not exist for this one.
    expect((await call('GET', `/webhooks/${bankHook}/deliveries`, tax.key)).statusCode).toBe(404);

    // The bank's receiver fails its first three requests.
    receiver.answer = (path, n) => ({ status: path === '/bank' && n < 3 ? 500 : 200 });
    // A write transaction stays open in another database of the server, as other applications' (or
    // a full test run's other files') do: it holds nothing back (it stalled every delivery once).
    const elsewhere = new Client({ connectionString: adminDatabaseUrl() });
    await elsewhere.connect();
    let expected: Awaited<ReturnType<typeof allDelivered>>;
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      entryId = await w.propose(uscc);
      await w.expect(200, 'regulator', `/blacklist/${entryId}/notice`);
      clock.set('2026-03-17T01:00:00Z');
      await w.expect(200, 'reviewer', `/blacklist/${entryId}/decision`, { outcome: 'approved', note: '事实清楚' });
      await w.expect(200, 'regulator', `/blacklist/${entryId}/publish`);
      await w.grade(uscc, 'D');
      expected = await allDelivered(bankHook, startSeq);
    } finally {
      await elsewhere.end();
    }
    expect(expected.map((e) => e.type)).toEqual(
      expect.arrayContaining(['blacklist.published', 'classification.changed']),
    );
    const bankRequests = receiver.on('/bank');
    expect(bankRequests.slice(0, 4).map((r) => r.status)).toEqual([500, 500, 500, 200]);
    // One event was tried four times (same id every time) and held back the others.
    expect(new Set(bankRequests.slice(0, 4).map((r) => r.headers['x-event-id'])).size).toBe(1);
    const seqs = bankRequests.map((r) => Number(r.headers['x-event-seq']));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const arrived = successes('/bank', SECRET);
    expect(arrived.slice(0, expected.length).map((e) => e.id)).toEqual(expected.map((e) => e.id));
    const published = arrived.find((e) => e.type === 'blacklist.published')!;
    expect(published).toMatchObject({ uscc, seq: expect.any(Number) });

    const log = await deliveries(bankHook);
    const first = log.find((d) => d.eventId === bankRequests[0].headers['x-event-id'])!;
    expect(first).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 200, lastError: null });
    expect(first.attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);

    // The tax office wanted blacklist events only.
    await allDelivered(taxHook, startSeq, tax.key, ['blacklist.published', 'blacklist.removed']);
    expect(successes('/tax', TAX_SECRET).map((e) => e.type)).toEqual(['blacklist.published']);
  });

  it('loses nothing when Redis loses its jobs: the worker finds undelivered events in the outbox again', async () => {
    const before = Number((await outbox(0)).at(-1)!.seq);
    // The receivers are down; events pile up as pending deliveries with retries scheduled.
    receiver.answer = () => ({ status: 503 });
    await w.expect(200, 'reviewer', `/blacklist/${entryId}/revocation`, { note: '原处罚决定经行政复议撤销' });
    await until('a failed attempt', async () =>
      (await deliveries(bankHook)).some((d) => d.status === 'pending' && d.attempts > 0),
    );

    // Redis forgets every queued job of this app (as a restarted Redis without persistence would).
    const redis = new Redis(t.config.REDIS_URL);
    try {
      const keys = await redis.keys(`${bullPrefix(t.config)}:webhooks:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    receiver.answer = () => ({ status: 200 });

    // The removal reaches both subscriptions that had the publication: a retraction is an ordinary event.
    const expected = await allDelivered(bankHook, before);
    expect(expected.map((e) => e.type)).toContain('blacklist.removed');
    // Each event arrived once, in seq order, with nothing skipped.
    const bankEvents = successes('/bank', SECRET);
    const all = await outbox(startSeq);
    expect(bankEvents.length).toBeGreaterThanOrEqual(all.length - 1);
    expect(bankEvents.map((e) => e.id)).toEqual(all.slice(0, bankEvents.length).map((e) => e.id));
    await allDelivered(taxHook, startSeq, tax.key, ['blacklist.published', 'blacklist.removed']);
    expect(successes('/tax', TAX_SECRET).map((e) => e.type)).toEqual(['blacklist.published', 'blacklist.removed']);
    const taxLog = await deliveries(taxHook, tax.key);
    expect(taxLog.map((d) => [d.eventType, d.status])).toEqual([
      ['blacklist.removed', 'delivered'],
      ['blacklist.published', 'delivered'],
    ]);
  });

  it('delivers the retraction of a withdrawn disclosed record like any other event', async () => {
    const before = Number((await outbox(0)).at(-1)!.seq);
    await retractedRecord(w, CODES.beijing, '温市监罚字〔2026〕12号');
    const expected = await until('the retraction in the outbox', async () => {
      const events = await outbox(before);
      return events.some((e) => e.type === 'record.retracted') && events;
    });
    await allDelivered(bankHook, before);
    const retraction = successes('/bank', SECRET).find((e) => e.type === 'record.retracted');
    expect(retraction).toMatchObject({
      uscc: CODES.beijing,
      id: expected.find((e) => e.type === 'record.retracted')!.id,
    });
  });

  it('replays from a seq with the same event ids, in order', async () => {
    const already = successes('/bank', SECRET);
    const res = await call('POST', `/webhooks/${bankHook}/replay`, bank.key, { fromSeq: already[0].seq });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ fromSeq: already[0].seq, cancelled: 0 });
    // A regrading that the withdrawal above asked for may still be delivered meanwhile (and is
    // replayed too): the replay is checked on the events that had been delivered before it.
    const ids = new Set(already.map((e) => e.id));
    const replayed = () =>
      successes('/bank', SECRET)
        .slice(already.length)
        .filter((e) => ids.has(e.id))
        .map((e) => e.id);
    await until('the replay', async () => replayed().length >= already.length);
    expect(replayed()).toEqual(already.map((e) => e.id));
  });

  it('does not follow a redirect: a 3xx answer fails the delivery', async () => {
    receiver.answer = (path) =>
      path === '/moved' ? { status: 302, headers: { location: receiver.url('/elsewhere') } } : { status: 200 };
    const hook = (await subscribe(bank.key, { url: receiver.url('/moved'), events: ALL_TYPES, secret: SECRET })).id;
    await t.sql(`INSERT INTO change_events (type, uscc, data) VALUES ('record.retracted', $1, '{}')`, [CODES.beijing]);
    const failed = await until('a redirected attempt', async () =>
      (await deliveries(hook)).find((d) => d.attempts > 0),
    );
    expect(failed).toMatchObject({ status: 'pending', lastStatusCode: 302, nextAttemptAt: expect.any(String) });
    expect(failed.lastError).toContain('not followed');
    expect(receiver.on('/elsewhere')).toEqual([]);
    expect((await call('DELETE', `/webhooks/${hook}`, bank.key)).statusCode).toBe(204);
    expect((await call('GET', `/webhooks/${hook}`, bank.key)).statusCode).toBe(404);
    const [row] = await t.sql<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'pending'`,
      [hook],
    );
    expect(row.pending).toBe(0);
  });

  it('refuses loopback, private and non-http URLs unless WEBHOOK_ALLOW_PRIVATE, and bad subscriptions', async () => {
    const strict = await t.replica({}, { ROLE: 'api', WEBHOOK_ALLOW_PRIVATE: 'false' });
    try {
      for (const url of [
        receiver.url('/bank'),
        'http://localhost:8080/hook',
        'http://[::1]/hook',
        'http://10.0.0.8/h',
        'http://169.254.169.254/latest',
      ]) {
        const res = await strict.request({
          method: 'POST',
          url: '/api/v1/webhooks',
          headers: as(bank.key),
          body: { url, events: ['blacklist.published'], secret: SECRET },
        });
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ type: 'urn:quality-credit:problem:webhook-url-refused', status: 400 });
      }
    } finally {
      await strict.shutdown();
    }
    const bad = [
      { url: 'ftp://example.com/x', events: ['blacklist.published'], secret: SECRET },
      { url: 'http://user:pw@example.com/x', events: ['blacklist.published'], secret: SECRET },
      { url: receiver.url('/x'), events: ['blacklist.listed'], secret: SECRET },
      { url: receiver.url('/x'), events: [], secret: SECRET },
      { url: receiver.url('/x'), events: ['blacklist.published'], secret: 'short' },
      { url: receiver.url('/x'), events: ['blacklist.published'], secret: SECRET, scope: 'mine' },
    ];
    for (const body of bad) {
      const res = await call('POST', '/webhooks', bank.key, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().type).toBe('urn:quality-credit:problem:validation-failed');
    }
    expect((await call('POST', `/webhooks/${bankHook}/replay`, bank.key, { fromSeq: 0 })).statusCode).toBe(400);
    expect((await call('GET', `/webhooks/not-a-uuid/deliveries`, bank.key)).statusCode).toBe(400);
    // A key without webhooks:manage may not subscribe.
    const admin = await t.loginAdmin();
    const feedOnly = await createKey(t, admin, ['feed:read']);
    const denied = await call('POST', '/webhooks', feedOnly.key, {
      url: receiver.url('/x'),
      events: ALL_TYPES,
      secret: SECRET,
    });
    expect(denied.statusCode).toBe(403);
  });

  it('keeps watchlist-scoped subscriptions to the watched codes', async () => {
    const before = Number((await outbox(0)).at(-1)!.seq);
    const put = await t.request({
      method: 'PUT',
      url: '/api/v1/watchlist',
      headers: as(bank.key),
      body: { usccs: [CODES.beijing] },
    });
    expect(put.statusCode).toBe(200);
    const hook = (
      await subscribe(bank.key, {
        url: receiver.url('/watched'),
        events: ALL_TYPES,
        secret: SECRET,
        scope: 'watchlist',
      })
    ).id;
    for (const code of [uscc, CODES.beijing]) {
      const res = await w.call('proposer', 'POST', `/enterprises/${code}/records`, {
        type: 'certification',
        occurredOn: '2026-03-12',
        documentNo: `温认证〔2026〕${code.slice(-4)}号`,
        summary: '质量管理体系认证',
        disclosed: true,
      });
      expect(res.statusCode).toBe(201);
      const withdrawn = await w.call('proposer', 'POST', `/records/${res.json().id}/corrections`, {
        action: 'withdraw',
        reason: '录入错误',
      });
      expect(withdrawn.statusCode).toBe(201);
    }
    const watched = await until('the watched retraction', async () => {
      const events = successes('/watched', SECRET);
      return events.length > 0 && events;
    });
    await until('the bank hook to catch up', async () => {
      const all = await outbox(before, ['record.retracted']);
      const delivered = new Set(
        (await deliveries(bankHook)).filter((d) => d.status === 'delivered').map((d) => d.eventId),
      );
      return all.length === 2 && all.every((e) => delivered.has(e.id));
    });
    expect((await call('GET', `/webhooks/${hook}`, bank.key)).json()).toMatchObject({ scope: 'watchlist' });
    const got = successes('/watched', SECRET);
    expect(got.map((e) => e.uscc)).toEqual(got.map(() => CODES.beijing));
    expect(watched.map((e) => e.type)).toContain('record.retracted');
  });

  it('makes a whsec_ secret when none is given, pings, and rotates with an overlap in which both secrets sign', async () => {
    const created = await subscribe(bank.key, { url: receiver.url('/standard'), events: ['record.retracted'] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const hook: string = created.id;
    expect((await call('GET', `/webhooks/${hook}`, bank.key)).json()).not.toHaveProperty('secret');
    receiver.expectSigned('/standard', created.secret);
    const cursor = (await call('GET', `/webhooks/${hook}`, bank.key)).json().cursor;

    // A ping: 202 with the delivery and where the deliveries are; it moves no cursor.
    const ping = await call('POST', `/webhooks/${hook}/ping`, bank.key);
    expect(ping.statusCode).toBe(202);
    expect(ping.headers.location).toBe(`/api/v1/webhooks/${hook}/deliveries`);
    const { deliveryId } = ping.json();
    const pinged = await until('the ping delivered', async () =>
      (await deliveries(hook)).find((d) => d.id === deliveryId && d.status === 'delivered'),
    );
    expect(pinged).toMatchObject({ eventType: 'ping', eventSeq: null, attempts: 1, lastStatusCode: 200 });
    expect(pinged.lastDurationMs).toEqual(expect.any(Number));
    const [request] = receiver.on('/standard');
    expect(JSON.parse(request.body)).toEqual({
      id: pinged.eventId,
      seq: null,
      type: 'ping',
      uscc: null,
      occurredAt: expect.any(String),
      data: { webhookId: hook },
    });
    expect(request.headers).toMatchObject({ 'webhook-id': pinged.eventId, 'x-event-type': 'ping' });
    expect(Number(request.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
    expect((await call('GET', `/webhooks/${hook}`, bank.key)).json().cursor).toBe(cursor);

    // Rotation: a new secret, shown once; the old one signs beside it for the overlap.
    const rotated = await call('POST', `/webhooks/${hook}/secret/rotate`, bank.key, { overlapHours: 2 });
    expect(rotated.statusCode).toBe(200);
    const { secret, previousSecretValidUntil } = rotated.json();
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(created.secret);
    expect(new Date(previousSecretValidUntil).getTime() - clock.now().getTime()).toBeGreaterThan(119 * 60_000);
    expect((await call('GET', `/webhooks/${hook}`, bank.key)).json()).toMatchObject({ previousSecretValidUntil });
    receiver.expectSigned('/standard', created.secret, secret);
    // Not again while the overlap runs: that would drop the secret receivers still hold.
    const overlapping = await call('POST', `/webhooks/${hook}/secret/rotate`, bank.key, { overlapHours: 1 });
    expect(overlapping.statusCode).toBe(409);
    expect(overlapping.json()).toMatchObject({ code: 'rotation-overlapping', previousSecretValidUntil });
    await t.sql(`INSERT INTO change_events (type, uscc, data) VALUES ('record.retracted', $1, '{}')`, [CODES.beijing]);
    const during = await until('a delivery in the overlap', async () => receiver.on('/standard')[1]);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(during.verifiedWith).toEqual([created.secret, secret]);

    // After the overlap only the new secret signs.
    clock.set(new Date(Date.parse(previousSecretValidUntil) + 1000).toISOString());
    expect((await call('GET', `/webhooks/${hook}`, bank.key)).json()).toMatchObject({ previousSecretValidUntil: null });
    receiver.expectSigned('/standard', secret);
    await call('POST', `/webhooks/${hook}/ping`, bank.key);
    const after = await until('a delivery after the overlap', async () => receiver.on('/standard')[2]);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(secret, after)).toBe(true);
    expect(verifies(created.secret, after)).toBe(false);

    // A rotation retried with its Idempotency-Key after a lost answer gets the same new secret.
    const rotate = () =>
      t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${hook}/secret/rotate`,
        headers: { 'x-api-key': bank.key, 'idempotency-key': 'rotate-after-timeout-1' },
        body: { overlapHours: 0 },
      });
    const first = await rotate();
    const retried = await rotate();
    expect([first.statusCode, retried.statusCode]).toEqual([200, 200]);
    expect(retried.headers['idempotency-replayed']).toBe('true');
    expect(retried.json().secret).toBe(first.json().secret);
    receiver.expectSigned('/standard', first.json().secret);

    // Out of range, another institution's, a malformed whsec_ secret: refused.
    for (const overlapHours of [-1, 169, 1.5, 'x']) {
      const res = await call('POST', `/webhooks/${hook}/secret/rotate`, bank.key, { overlapHours });
      expect(res.statusCode).toBe(400);
    }
    expect((await call('POST', `/webhooks/${hook}/ping`, tax.key)).statusCode).toBe(404);
    expect((await call('POST', `/webhooks/${hook}/secret/rotate`, tax.key, {})).statusCode).toBe(404);
    const malformed = await call('POST', '/webhooks', bank.key, {
      url: receiver.url('/x'),
      events: ['record.retracted'],
      secret: 'whsec_too-short-and-not-base64',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors).toEqual([expect.objectContaining({ field: 'secret' })]);
    const audit = await t.sql<{ action: string }>(`SELECT action FROM audit_events WHERE entity_id = $1 ORDER BY seq`, [
      hook,
    ]);
    expect(audit.map((a) => a.action)).toEqual([
      'webhook.create',
      'webhook.ping',
      'webhook.rotate-secret',
      'webhook.ping',
      // The retried rotation did nothing again; the one refused in the overlap changed nothing.
      'webhook.rotate-secret',
    ]);
  });
});
