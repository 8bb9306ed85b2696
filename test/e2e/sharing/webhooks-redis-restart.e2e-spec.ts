import { createHmac } from 'node:crypto';
import { BlacklistWorld } from '../../helpers/blacklist';
import { CODES, createKey } from '../../helpers/fixtures';
import { closeOnPrivateRedis, PrivateRedis } from '../../helpers/private-redis';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { FlowingClock } from '../../helpers/clock';
import { Receiver, retractedRecord } from '../../helpers/webhooks';

const SECRET = 'bank-webhook-secret-0123456789';
const ALL_TYPES = ['classification.changed', 'blacklist.published', 'blacklist.removed', 'record.retracted'];

describe('webhooks across a Redis restart', () => {
  let redis: PrivateRedis;
  let t: TestApp | undefined;
  let w: BlacklistWorld;
  let receiver: Receiver | undefined;
  let bank: { key: string; institutionId: string };
  const clock = new FlowingClock(new Date());
  const uscc = CODES.wenzhouLike;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    clock.set('2026-03-02T02:00:00Z'); // Monday 10:00 in Beijing
    t = await TestApp.start(
      __filename,
      { REDIS_URL: redis.url, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '100' },
      { clock },
    );
    w = await BlacklistWorld.create(t, clock, [uscc, CODES.beijing]);
    bank = await createKey(t, await t.loginAdmin(), ['webhooks:manage']);
    receiver = await Receiver.start();
    receiver.expectSigned('/bank', SECRET);
  });
  // Every delivery verifies with the standardwebhooks package, as an integrator's receiver would.
  afterEach(() => receiver?.checkVerified());
  afterAll(async () => {
    try {
      await closeOnPrivateRedis(redis, t);
    } finally {
      await receiver?.close();
    }
    // Closing soon after Redis came back can take Bull over a minute (its job loops wait out their retry timers).
  }, 150_000);

  const app = () => t!;
  const call = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    app().request({ method, url: `/api/v1${url}`, headers: { 'x-api-key': bank.key }, body });
  /** The subscription's deliveries, read from the database (the API needs no Redis either, but this is plainer). */
  const deliveries = (hook: string) =>
    app().sql<{ event_id: string; event_seq: string; status: string; attempts: number }>(
      `SELECT event_id::text, event_seq::text, status, attempts FROM webhook_deliveries
        WHERE subscription_id = $1 ORDER BY id`,
      [hook],
    );
  const outbox = (after: number) =>
    app().sql<{ seq: string; id: string; type: string; uscc: string }>(
      // By the column: a bare `seq` names the text output column and sorts 10 before 9.
      `SELECT e.seq::text, e.id::text, e.type, e.uscc FROM change_events e
        WHERE e.seq > $1 AND e.type = ANY($2) ORDER BY e.seq`,
      [after, ALL_TYPES],
    );
  it('delivers every event once, in order, signed, when Redis is killed and restarted empty', async () => {
    const [{ seq: startSeq }] = await app().sql<{ seq: number }>(
      `SELECT coalesce(max(seq), 0)::int AS seq FROM change_events`,
    );
    const created = await call('POST', '/webhooks', { url: receiver!.url('/bank'), events: ALL_TYPES, secret: SECRET });
    expect(created.statusCode).toBe(201);
    const hook: string = created.json().id;

    // The receiver is down; events pile up as pending deliveries with retries scheduled.
    receiver!.answer = () => ({ status: 503 });
    const entryId = await w.propose(uscc);
    await w.expect(200, 'regulator', `/blacklist/${entryId}/notice`);
    clock.set('2026-03-17T01:00:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${entryId}/decision`, { outcome: 'approved', note: '事实清楚' });
    await w.expect(200, 'regulator', `/blacklist/${entryId}/publish`);
    await w.grade(uscc, 'D');
    await retractedRecord(w, CODES.beijing, '温市监罚字〔2026〕12号');
    await until('a failed attempt', async () =>
      (await deliveries(hook)).some((d) => d.status === 'pending' && d.attempts > 0),
    );

    // Redis dies: the running dispatch's Bull job and every queued wake-up go with it.
    await redis.kill();
    // A blacklist move still commits and answers: queuing its regrading is best effort, and fails
    // within about a second (the regrading waits in the database for Redis) instead of hanging.
    let started = Date.now();
    await w.expect(200, 'reviewer', `/blacklist/${entryId}/revocation`, { note: '原处罚决定经行政复议撤销' });
    expect(Date.now() - started).toBeLessThan(10_000);
    started = Date.now();
    await retractedRecord(w, uscc, '温市监罚字〔2026〕13号');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await w.entry(entryId)).status).toBe('removed');
    const duringOutage = (await outbox(startSeq)).map((e) => e.type);
    expect(duringOutage.slice(-2)).toEqual(['blacklist.removed', 'record.retracted']);

    // Redis comes back on the same port, empty, and so does the receiver.
    await redis.restart();
    receiver!.answer = () => ({ status: 200 });
    // The app's own connection and Bull's (the classification queue runs the full recompute) are back.
    await until('the app to see Redis again', async () => {
      const res = await app().request({ method: 'GET', url: '/health/ready' });
      return res.statusCode === 200;
    });
    // The regradings asked during the outage could not be queued; they waited in the database and
    // are queued again now that Redis is back, without an administrator's or the nightly recompute:
    // one regrading for the revocation and the retraction.
    await until('the regrading after the revocation', async () => {
      const res = await w.call('admin', 'GET', `/enterprises/${uscc}/classification`);
      return res.statusCode === 200 && res.json().grade !== 'D';
    });
    await retractedRecord(w, CODES.beijing, '温市监罚字〔2026〕14号');
    // Its regrading, too, has run once no request waits for one.
    await until(
      'every regrading asked to have run',
      async () => !(await app().sql(`SELECT 1 FROM regrade_requests`)).length,
    );

    // The other enterprise's regradings after its retractions are left out: the first is queued best
    // effort (it happens when its job ran before Redis died), the second may be one or two (its record
    // made and withdrawn in one half second or two); either way what the outbox holds is delivered below.
    const otherRegrade = (e: { type: string; uscc: string }) =>
      e.uscc === CODES.beijing && e.type === 'classification.changed';
    const types = [
      'blacklist.published',
      'classification.changed',
      'record.retracted',
      'blacklist.removed',
      'record.retracted',
      'classification.changed',
      'record.retracted',
    ];
    const expected = await until('every event delivered and nothing pending', async () => {
      const [events, made] = await Promise.all([outbox(startSeq), deliveries(hook)]);
      const delivered = new Set(made.filter((d) => d.status === 'delivered').map((d) => d.event_id));
      const done =
        events.filter((e) => !otherRegrade(e)).length >= types.length && events.every((e) => delivered.has(e.id));
      return done && !made.some((d) => d.status !== 'delivered') && events;
    });
    expect(expected.filter((e) => !otherRegrade(e)).map((e) => e.type)).toEqual(types);

    // Every request was signed; each event got exactly one 200 answer, in seq order.
    const requests = receiver!.on('/bank');
    for (const r of requests) {
      expect(r.headers['x-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`);
      expect(r.verifiedWith).toEqual([SECRET]);
      const event = JSON.parse(r.body);
      expect([r.headers['webhook-id'], r.headers['x-event-id'], r.headers['x-event-seq']]).toEqual([
        event.id,
        event.id,
        String(event.seq),
      ]);
    }
    const seqs = requests.map((r) => Number(r.headers['x-event-seq']));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const answers = new Map<string, number[]>();
    for (const r of requests) {
      const id = r.headers['x-event-id'] as string;
      answers.set(id, [...(answers.get(id) ?? []), r.status]);
    }
    expect([...answers.keys()]).toEqual(expected.map((e) => e.id));
    for (const statuses of answers.values()) expect(statuses.filter((s) => s === 200)).toEqual([200]);
    // The events that waited through the outage had failed first; nothing was delivered twice.
    expect(requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.status === 200).map((r) => r.headers['x-event-id'])).toEqual(
      expected.map((e) => e.id),
    );
  });
});
