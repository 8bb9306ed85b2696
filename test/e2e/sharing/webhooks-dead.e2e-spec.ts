import { TestClock } from '../../helpers/clock';
import { CODES, createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { Receiver } from '../../helpers/webhooks';

const SECRET = 'dead-letter-secret-0123';

/** A receiver that stays down for a day: the delivery is dead-lettered, and the next event goes. */
describe('webhooks: dead letters', () => {
  let t: TestApp;
  let receiver: Receiver;
  let key: string;
  let failing = Number.MAX_SAFE_INTEGER; // the receiver refuses this seq and those before it
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z'));
  const at = (hours: number, seconds = 0) =>
    new Date(Date.parse('2026-03-02T02:00:00Z') + hours * 3_600_000 + seconds * 1000);

  beforeAll(async () => {
    receiver = await Receiver.start();
    // The clock is the application's (in March 2026); webhook-timestamp is the wall clock's, so the
    // receiver verifies it as any would.
    receiver.expectSigned('/hook', SECRET);
    receiver.answer = (_path, _n, body) => ({
      status: (JSON.parse(body) as { seq: number }).seq <= failing ? 500 : 200,
    });
    t = await TestApp.start(__filename, { WEBHOOK_ALLOW_PRIVATE: 'true' }, { clock });
    key = (await createKey(t, await t.loginAdmin(), ['webhooks:manage'])).key;
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  afterEach(() => receiver.checkVerified());

  const deliveries = async (id: string) =>
    (await t.request({ method: 'GET', url: `/api/v1/webhooks/${id}/deliveries`, headers: { 'x-api-key': key } })).json()
      .items as {
      eventSeq: number;
      status: string;
      attempts: number;
      nextAttemptAt: string | null;
      finishedAt: string | null;
    }[];
  it('retries with growing delays for a day, then dead-letters the event and delivers the next', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: { 'x-api-key': key },
      body: { url: receiver.url('/hook'), events: ['record.retracted'], secret: SECRET },
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().id;
    const [first, second] = await t.sql<{ seq: number }>(
      `INSERT INTO change_events (type, uscc, data) VALUES ('record.retracted', $1, '{}'), ('record.retracted', $1, '{}')
       RETURNING seq::int`,
      [CODES.beijing],
    );
    failing = first.seq;

    // First attempt at once; the retry 5–10 s later (WEBHOOK_RETRY_BASE_MS 10 000, jitter).
    const tried = await until('the first attempt', async () => (await deliveries(id)).find((d) => d.attempts === 1));
    expect(tried).toMatchObject({ eventSeq: first.seq, status: 'pending' });
    const next = Date.parse(tried.nextAttemptAt!);
    expect(next).toBeGreaterThanOrEqual(at(0, 5).getTime());
    expect(next).toBeLessThanOrEqual(at(0, 10).getTime());

    // 23 hours on: still retried, the next delay doubled.
    clock.set(at(23).toISOString());
    const again = await until('the second attempt', async () => (await deliveries(id)).find((d) => d.attempts === 2));
    expect(again.status).toBe('pending');
    expect(Date.parse(again.nextAttemptAt!) - at(23).getTime()).toBeGreaterThanOrEqual(10_000);

    // A day after the first attempt: dead, and the second event is sent.
    clock.set(at(24, 60).toISOString());
    const done = await until('the dead letter and the next delivery', async () => {
      const log = await deliveries(id);
      return log.some((d) => d.status === 'dead') && log.some((d) => d.status === 'delivered') && log;
    });
    expect(done.map((d) => [d.eventSeq, d.status, d.attempts])).toEqual([
      [second.seq, 'delivered', 1],
      [first.seq, 'dead', 3],
    ]);
    expect(done[1]).toMatchObject({ nextAttemptAt: null, finishedAt: at(24, 60).toISOString() });
    // The second event never went out before the first was given up.
    expect(receiver.on('/hook').map((r) => Number(r.headers['x-event-seq']))).toEqual([
      first.seq,
      first.seq,
      first.seq,
      second.seq,
    ]);
  });

  it('sends a ping ahead of an event in back-off, tries it once, and takes one waiting ping at a time', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: { 'x-api-key': key },
      body: { url: receiver.url('/hook'), events: ['record.retracted'], secret: SECRET },
    });
    const id = res.json().id;
    const ping = () => t.request({ method: 'POST', url: `/api/v1/webhooks/${id}/ping`, headers: { 'x-api-key': key } });
    // An event the receiver refuses: tried, then waiting seconds to minutes for its retry.
    const [event] = await t.sql<{ seq: number }>(
      `INSERT INTO change_events (type, uscc, data) VALUES ('record.retracted', $1, '{}') RETURNING seq::int`,
      [CODES.beijing],
    );
    failing = event.seq;
    await until('the event tried', async () => (await deliveries(id)).find((d) => d.attempts === 1));
    // The receiver refuses pings too (their seq is null): the ping goes out at once, ahead of the
    // event in back-off, and is not retried.
    expect((await ping()).statusCode).toBe(202);
    const tried = await until('the ping tried once', async () =>
      (await deliveries(id)).find((d) => d.eventSeq === null && d.status === 'dead'),
    );
    expect(tried).toMatchObject({ attempts: 1, nextAttemptAt: null });
    expect((await deliveries(id)).find((d) => d.eventSeq === event.seq)).toMatchObject({ status: 'pending' });
    // While one ping still waits to be tried, another is refused.
    await t.sql(
      `INSERT INTO webhook_deliveries (subscription_id, event_seq, event_id, event_type, status, created_at, next_attempt_at)
       VALUES ($1, NULL, gen_random_uuid(), 'ping', 'pending', now(), now() + interval '1 hour')`,
      [id],
    );
    const again = await ping();
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ping-pending' });
  });
});
