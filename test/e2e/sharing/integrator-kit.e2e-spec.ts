import { demo } from '../../../examples/client/registry-client';
import { FlowingClock } from '../../helpers/clock';
import { adminAndRegulator, CODES, createKey, createUser } from '../../helpers/fixtures';
import { multipart } from '../../helpers/multipart';
import { InjectResponse, TestApp } from '../../helpers/test-app';

const ALL_SCOPES = ['status:read', 'batch:read', 'feed:read', 'webhooks:manage'];
const HOOK = {
  url: 'http://127.0.0.1:9/hooks/quality-credit',
  events: ['blacklist.published', 'blacklist.removed'],
  secret: 'integrator-kit-secret-0123456789',
};
const RECORDS_CSV = (documentNo: string) =>
  `uscc,type,occurredOn,documentNo,summary\n${CODES.wenzhouLike},spot_check_pass,2024-03-05,${documentNo},阀门产品监督抽查合格\n`;

/** The rate-limit headers of an answer, as numbers. */
const quota = (res: InjectResponse) => ({
  limit: Number(res.headers['ratelimit-limit']),
  remaining: Number(res.headers['ratelimit-remaining']),
  reset: Number(res.headers['ratelimit-reset']),
});

describe("the integrator's kit: Location on 202, rate-limit headers, Idempotency-Key", () => {
  let t: TestApp;
  let admin: string;
  let regulator: string;
  let reviewer: string;
  let bank: { key: string; institutionId: string };
  let otherKey: string;
  const clock = new FlowingClock(new Date());

  beforeAll(async () => {
    clock.set('2026-03-02T02:00:00Z'); // Monday 10:00 in Beijing
    t = await TestApp.start(__filename, { WEBHOOK_ALLOW_PRIVATE: 'true', PUBLIC_RATE_LIMIT: '5' }, { clock });
    ({ admin, regulator } = await adminAndRegulator(t, { username: 'qts.kit', password: 'kit-importer-pass' }, [
      CODES.wenzhouLike,
      CODES.beijing,
    ]));
    reviewer = await createUser(t, admin, {
      username: 'amr.kit',
      password: 'kit-reviewer-pass',
      role: 'reviewer',
      departmentCode: 'AMR',
    });
    bank = await createKey(t, admin, ALL_SCOPES);
    otherKey = (await createKey(t, admin, ALL_SCOPES)).key; // the same bank's second key: another caller
  });
  afterAll(() => t.close());

  const withKey = (key: string, headers: Record<string, string> = {}) => ({ 'x-api-key': key, ...headers });
  const upload = (csv: string, headers: Record<string, string> = {}) => {
    const body = multipart({ kind: 'records' }, { name: 'records.csv', content: csv });
    return t.request({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...body.headers, authorization: `Bearer ${regulator}`, ...headers },
      body: body.payload,
    });
  };
  const count = async (sql: string, params: unknown[] = []) => (await t.sql<{ n: number }>(sql, params))[0].n;

  describe('Location on every 202 answer', () => {
    /** The answer is 202 and its Location answers 200 to the same caller. */
    const polled = async (res: InjectResponse, auth: Record<string, string>) => {
      expect(res.statusCode).toBe(202);
      const location = res.headers.location as string;
      expect((await t.request({ method: 'GET', url: location, headers: auth })).statusCode).toBe(200);
      return location;
    };

    it('points an import at the import', async () => {
      const res = await upload(RECORDS_CSV('温质监抽〔2024〕901号'));
      expect(await polled(res, { authorization: `Bearer ${regulator}` })).toBe(`/api/v1/imports/${res.json().id}`);
    });

    it('points the dry run, the activation and the recompute at their jobs', async () => {
      const [{ document }] = (await t.request({ method: 'GET', url: '/api/v1/rule-sets', token: admin })).json();
      const draft = await t.request({
        method: 'POST',
        url: '/api/v1/rule-sets',
        token: admin,
        body: { document: { ...document, baseScore: 95 } },
      });
      const version = draft.json().version as number;
      const auth = { authorization: `Bearer ${reviewer}` };
      const dryRun = await t.request({ method: 'POST', url: `/api/v1/rule-sets/${version}/dry-run`, headers: auth });
      expect(await polled(dryRun, auth)).toBe(`/api/v1/jobs/${dryRun.json().jobId}`);
      const activated = await t.request({
        method: 'POST',
        url: `/api/v1/rule-sets/${version}/activate`,
        headers: auth,
      });
      expect(await polled(activated, auth)).toBe(`/api/v1/jobs/${activated.json().jobId}`);
      const recompute = await t.request({ method: 'POST', url: '/api/v1/classification/recompute', token: admin });
      expect(await polled(recompute, { authorization: `Bearer ${admin}` })).toBe(
        `/api/v1/jobs/${recompute.json().jobId}`,
      );
    });

    it("points an export's re-run at its job, and a replay and a ping at the subscription's deliveries", async () => {
      const rerun = await t.request({ method: 'POST', url: '/api/v1/exports/2026-03-01', token: admin });
      expect(await polled(rerun, { authorization: `Bearer ${admin}` })).toBe(`/api/v1/jobs/${rerun.json().jobId}`);
      const hook = await t.request({ method: 'POST', url: '/api/v1/webhooks', headers: withKey(bank.key), body: HOOK });
      const replay = await t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${hook.json().id}/replay`,
        headers: withKey(bank.key),
        body: { fromSeq: 1 },
      });
      expect(await polled(replay, withKey(bank.key))).toBe(`/api/v1/webhooks/${hook.json().id}/deliveries`);
      const ping = await t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${hook.json().id}/ping`,
        headers: withKey(bank.key),
      });
      expect(await polled(ping, withKey(bank.key))).toBe(`/api/v1/webhooks/${hook.json().id}/deliveries`);
    });
  });

  describe('RateLimit-Limit, -Remaining and -Reset wherever a limit applies', () => {
    it("counts down an API key's minute, then refuses with Retry-After", async () => {
      const { key } = await createKey(t, admin, ['feed:read'], undefined, 3);
      const answers = [];
      for (let i = 0; i < 4; i++) {
        answers.push(await t.request({ method: 'GET', url: '/api/v1/watchlist', headers: withKey(key) }));
      }
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 429]);
      expect(answers.map((a) => quota(a).limit)).toEqual([3, 3, 3, 3]);
      expect(answers.map((a) => quota(a).remaining)).toEqual([2, 1, 0, 0]);
      for (const a of answers) expect(quota(a).reset).toBeGreaterThanOrEqual(1);
      for (const a of answers) expect(quota(a).reset).toBeLessThanOrEqual(60);
      expect(Number(answers[3].headers['retry-after'])).toBe(quota(answers[3]).reset);
    });

    it('counts an address on public routes', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/blacklist-reasons', remoteAddress: '203.0.113.40' });
      expect(res.statusCode).toBe(200);
      expect(quota(res)).toMatchObject({ limit: 5, remaining: 4 });
    });

    it("counts an address's login attempts, failed or not", async () => {
      const login = (password: string) =>
        t.request({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '203.0.113.41',
          body: { username: 'qts.kit', password },
        });
      const failed = await login('not-the-password');
      expect(failed.statusCode).toBe(401);
      expect(quota(failed)).toMatchObject({ limit: 30, remaining: 29 });
      const ok = await login('kit-importer-pass');
      expect(ok.statusCode).toBe(200);
      expect(quota(ok)).toMatchObject({ limit: 30, remaining: 28 });
    });
  });

  describe('Idempotency-Key', () => {
    const subscribe = (key: string, idempotencyKey: string, body: unknown = HOOK) =>
      t.request({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: withKey(key, { 'idempotency-key': idempotencyKey }),
        body,
      });
    const batch = (idempotencyKey: string, usccs: string[]) =>
      t.request({
        method: 'POST',
        url: '/api/v1/credit-status/batch',
        headers: withKey(bank.key, { 'idempotency-key': idempotencyKey }),
        body: { purpose: 'loan_review', usccs },
      });
    const queries = () => count(`SELECT count(*)::int AS n FROM credit_queries`);
    const imports = () => count(`SELECT count(*)::int AS n FROM imports`);
    const hooks = async () =>
      count(`SELECT count(*)::int AS n FROM webhook_subscriptions WHERE institution_id = $1`, [bank.institutionId]);

    it('answers a repeated subscription with the first answer, and subscribes once', async () => {
      const before = await hooks();
      const first = await subscribe(bank.key, 'hook-1');
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotency-replayed']).toBeUndefined();
      const again = await subscribe(bank.key, 'hook-1');
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.headers['content-type']).toMatch(/^application\/json/);
      expect(again.json()).toEqual(first.json());
      expect(await hooks()).toBe(before + 1);
      // The kept answer is sealed: nothing of it reads in the table.
      const [kept] = await t.sql<{ body: Buffer }>(`SELECT body FROM idempotency_keys WHERE key = 'hook-1'`);
      expect(kept.body.includes(Buffer.from(HOOK.url))).toBe(false);
    });

    it('gives a secret the registry made, shown once, again to the caller who retries, sealed meanwhile', async () => {
      const { url, events } = HOOK;
      const first = await subscribe(bank.key, 'hook-made-secret', { url, events });
      expect(first.statusCode).toBe(201);
      expect(first.json().secret).toMatch(/^whsec_/);
      const again = await subscribe(bank.key, 'hook-made-secret', { url, events });
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.json().secret).toBe(first.json().secret);
      const [kept] = await t.sql<{ body: Buffer }>(`SELECT body FROM idempotency_keys WHERE key = 'hook-made-secret'`);
      expect(kept.body.includes(Buffer.from(first.json().secret))).toBe(false);
    });

    it('answers a kept answer it can no longer unseal (the sealing key changed) with a 409, not a 500', async () => {
      const { url, events } = HOOK;
      expect((await subscribe(bank.key, 'hook-resealed', { url, events })).statusCode).toBe(201);
      // As if WEBHOOK_SECRET_KEY had changed since: the sealed body no longer opens.
      await t.sql(`UPDATE idempotency_keys SET body = '\\x00010203'::bytea WHERE key = 'hook-resealed'`);
      const again = await subscribe(bank.key, 'hook-resealed', { url, events });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'idempotency-answer-unavailable' });
    });

    it('refuses the same key with another body (422), and keeps keys apart per caller', async () => {
      const other = await subscribe(bank.key, 'hook-1', { ...HOOK, url: 'http://127.0.0.1:9/other' });
      expect(other.statusCode).toBe(422);
      expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(other.json()).toMatchObject({ type: 'urn:quality-credit:problem:idempotency-key-reused', status: 422 });
      const before = await hooks();
      const anotherCaller = await subscribe(otherKey, 'hook-1');
      expect(anotherCaller.statusCode).toBe(201);
      expect(anotherCaller.headers['idempotency-replayed']).toBeUndefined();
      expect(await hooks()).toBe(before + 1);
    });

    it('frees the key of a refused request, so that the corrected one goes through', async () => {
      const refused = await subscribe(bank.key, 'hook-fix', { ...HOOK, secret: 'short' });
      expect(refused.statusCode).toBe(400);
      const fixed = await subscribe(bank.key, 'hook-fix');
      expect(fixed.statusCode).toBe(201);
      expect(fixed.headers['idempotency-replayed']).toBeUndefined();
    });

    it('does the work once for duplicates sent at the same time: the other waits (409) or gets the answer', async () => {
      const before = await hooks();
      const answers = await Promise.all([subscribe(bank.key, 'hook-race'), subscribe(bank.key, 'hook-race')]);
      const statuses = answers.map((a) => a.statusCode).sort();
      expect([
        [201, 201],
        [201, 409],
      ]).toContainEqual(statuses);
      const conflict = answers.find((a) => a.statusCode === 409);
      if (conflict) {
        expect(conflict.json()).toMatchObject({ type: 'urn:quality-credit:problem:idempotency-key-in-use' });
        expect(Number(conflict.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      expect(await hooks()).toBe(before + 1);
    });

    it('refuses a key that is not 1 to 255 visible characters', async () => {
      const res = await subscribe(bank.key, 'x'.repeat(256));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ type: 'urn:quality-credit:problem:idempotency-key-invalid' });
    });

    it('answers a repeated batch with the same bytes and logs its queries once', async () => {
      const before = await queries();
      const first = await batch('batch-1', [CODES.wenzhouLike, CODES.beijing]);
      expect(first.statusCode).toBe(200);
      expect(await queries()).toBe(before + 2);
      const again = await batch('batch-1', [CODES.wenzhouLike, CODES.beijing]);
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      expect(await queries()).toBe(before + 2);
      const reordered = await batch('batch-1', [CODES.beijing, CODES.wenzhouLike]);
      expect(reordered.statusCode).toBe(422);
    });

    it('answers a repeated upload (another multipart boundary) with the first import, and refuses another file', async () => {
      const before = await imports();
      const csv = RECORDS_CSV('温质监抽〔2024〕902号');
      const first = await upload(csv, { 'idempotency-key': 'import-1' });
      expect(first.statusCode).toBe(202);
      const again = await upload(csv, { 'idempotency-key': 'import-1' });
      expect(again.statusCode).toBe(202);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.headers.location).toBe(`/api/v1/imports/${first.json().id}`);
      expect(again.json().id).toBe(first.json().id);
      expect(await imports()).toBe(before + 1);
      const otherFile = await upload(RECORDS_CSV('温质监抽〔2024〕903号'), { 'idempotency-key': 'import-1' });
      expect(otherFile.statusCode).toBe(422);
      expect(await imports()).toBe(before + 1);
    });

    it('forgets a key after 24 hours: the same request is then new work', async () => {
      const before = await hooks();
      expect((await subscribe(bank.key, 'hook-day')).statusCode).toBe(201);
      clock.set('2026-03-02T23:00:00Z'); // 21 hours on: still the first answer
      expect((await subscribe(bank.key, 'hook-day')).headers['idempotency-replayed']).toBe('true');
      clock.set('2026-03-03T03:00:00Z'); // past 24 hours
      const later = await subscribe(bank.key, 'hook-day');
      expect(later.statusCode).toBe(201);
      expect(later.headers['idempotency-replayed']).toBeUndefined();
      expect(await hooks()).toBe(before + 2);
      // The batch and the upload of earlier tests (their keys a day old) are new work too.
      const [queried, imported] = [await queries(), await imports()];
      const batchAgain = await batch('batch-1', [CODES.wenzhouLike, CODES.beijing]);
      expect(batchAgain.statusCode).toBe(200);
      expect(batchAgain.headers['idempotency-replayed']).toBeUndefined();
      expect(await queries()).toBe(queried + 2);
      regulator = await t.login('qts.kit', 'kit-importer-pass'); // the earlier token has expired by now
      const uploadAgain = await upload(RECORDS_CSV('温质监抽〔2024〕902号'), { 'idempotency-key': 'import-1' });
      expect(uploadAgain.statusCode).toBe(202);
      expect(uploadAgain.headers['idempotency-replayed']).toBeUndefined();
      expect(await imports()).toBe(imported + 1);
      // The expired keys are gone from the table, not only ignored.
      expect(await count(`SELECT count(*)::int AS n FROM idempotency_keys WHERE expires_at <= $1`, [clock.now()])).toBe(
        0,
      );
    });
  });

  it('runs the typed client example of docs/integration.md over a socket: lookup, batch, feed', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const lines: string[] = [];
    const log = jest
      .spyOn(console, 'log')
      .mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    try {
      await demo(await t.app.getUrl(), bank.key);
    } finally {
      log.mockRestore();
    }
    expect(lines[0]).toMatch(/^温州市鹿城阀门有限公司 ([ABCD]|null) false$/); // graded once the recompute above ran
    expect(lines[1]).toBe('2 found; 0 unknown');
  });
});
