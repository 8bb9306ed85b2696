import { Client } from 'pg';
import { makeUscc } from '../../../src/common/uscc';
import { adminDatabaseUrl } from '../../helpers/databases';
import { CODES, createEnterprise, createKey, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

const BANK = { name: '温州银行', kind: 'bank', departmentCode: 'PBOC' };
const TAX = { name: '国家税务总局温州市税务局', kind: 'tax', departmentCode: 'STAX' };
const UNKNOWN = CODES.shenzhen; // a real code, never registered here

interface FeedEvent {
  seq: number;
  id: string;
  type: string;
  uscc: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

describe('sharing with finance and tax', () => {
  let t: TestApp;
  let admin: string;
  let bankKey: string;
  let bankKeyId: string;
  let bankId: string;
  let feedOnlyKey: string;
  let statusOnlyKey: string;
  let taxKey: string;
  let enterprise: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    admin = await t.loginAdmin();
    await createEnterprise(t, admin, CODES.wenzhouLike);
    await createEnterprise(t, admin, CODES.beijing, { name: '龙湾测试鞋业有限公司', districtCode: '330303' });
    const bank = await createKey(t, admin, ['status:read', 'batch:read', 'feed:read'], BANK);
    [bankKey, bankKeyId, bankId] = [bank.key, bank.keyId, bank.institutionId];
    feedOnlyKey = (await createKey(t, admin, ['feed:read'], BANK)).key;
    statusOnlyKey = (await createKey(t, admin, ['status:read'], BANK)).key;
    taxKey = (await createKey(t, admin, ['feed:read'], TAX)).key;
    enterprise = await createUser(t, admin, {
      username: 'valve.co',
      password: 'enterprise-pass1',
      role: 'enterprise',
      uscc: CODES.wenzhouLike,
    });

    // Wenzhou-like was a B through 2025, a D since it was blacklisted on 1 January 2026.
    const [{ id: enterpriseId }] = await t.sql<{ id: string }>(`SELECT id::text FROM enterprises WHERE uscc = $1`, [
      CODES.wenzhouLike,
    ]);
    const [{ id: adminId }] = await t.sql<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`);
    await t.sql(
      `INSERT INTO classification_history (enterprise_id, grade, score, rule_set_version, factors, valid_from, valid_to)
       VALUES ($1, 'B', 80, 1, '[]', '2025-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00'),
              ($1, 'D', 40, 1, '[]', '2026-01-01T00:00:00+08:00', NULL)`,
      [enterpriseId],
    );
    await t.sql(
      `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, computed_at)
       VALUES ($1, 'D', 40, 1, '[]', '2026-01-01T00:00:00+08:00')`,
      [enterpriseId],
    );
    await t.sql(
      `INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
         status, department_code, proposed_by, proposed_at, noticed_at, objection_deadline, published_at,
         earliest_repair_date, expires_at)
       VALUES ($1, '330302', 'substandard_products', '第九条', '三次抽查不合格', 36, 'published', 'AMR', $2,
         '2025-11-01T10:00:00+08:00', '2025-11-02T10:00:00+08:00', '2025-11-17T00:00:00+08:00',
         '2026-01-01T00:00:00+08:00', '2027-01-01', '2029-01-02T00:00:00+08:00')`,
      [enterpriseId, adminId],
    );
  });
  afterAll(() => t.close());

  const asKey = (key: string) => ({ 'x-api-key': key });
  const status = (uscc: string, query: string, key = bankKey) =>
    t.request({ method: 'GET', url: `/api/v1/credit-status/${uscc}${query}`, headers: asKey(key) });
  const batch = (body: unknown, key = bankKey) =>
    t.request({ method: 'POST', url: '/api/v1/credit-status/batch', headers: asKey(key), body });
  const queriesOf = (uscc: string, token = enterprise) =>
    t.request({ method: 'GET', url: `/api/v1/enterprises/${uscc}/queries`, token });

  describe('credit status', () => {
    it('screens a batch: statuses in request order, unknown and invalid codes apart, each answer logged', async () => {
      const res = await batch({
        purpose: 'loan_review',
        usccs: [CODES.beijing, UNKNOWN, 'NOT-A-CODE', ` ${CODES.wenzhouLike.toLowerCase()} `, CODES.beijing],
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = res.json();
      expect(body.results.map((r: { uscc: string }) => r.uscc)).toEqual([CODES.beijing, CODES.wenzhouLike]);
      expect(body.results[0]).toEqual({
        uscc: CODES.beijing,
        name: '龙湾测试鞋业有限公司',
        districtCode: '330303',
        grade: null,
        ruleSetVersion: null,
        blacklisted: false,
        blacklistEntries: [],
        asOf: expect.any(String),
      });
      expect(body.results[1]).toMatchObject({ grade: 'D', ruleSetVersion: 1, blacklisted: true });
      expect(body.notFound).toEqual([UNKNOWN]);
      expect(body.invalid).toEqual(['NOT-A-CODE']);

      const logged = await t.sql(
        `SELECT uscc, institution_id, api_key_id, user_id, purpose, as_of FROM credit_queries ORDER BY uscc`,
      );
      // Every credit code asked is logged, registered or not; 'NOT-A-CODE' is no code and is not.
      const row = (uscc: string) => ({
        uscc,
        institution_id: bankId,
        api_key_id: bankKeyId,
        user_id: null,
        purpose: 'loan_review',
        as_of: null,
      });
      expect(logged).toEqual([CODES.beijing, CODES.wenzhouLike, UNKNOWN].sort().map(row));

      const seen = await queriesOf(CODES.wenzhouLike);
      expect(seen.statusCode).toBe(200);
      expect(seen.json()).toEqual({
        items: [
          {
            institution: '温州银行',
            institutionKind: 'bank',
            purpose: 'loan_review',
            askedAt: expect.any(String),
            asOf: null,
          },
        ],
        page: 1,
        pageSize: 50,
        total: 1,
      });
      expect(seen.body).not.toContain(bankKeyId);
      expect((await queriesOf(CODES.beijing)).statusCode).toBe(403);
      expect((await queriesOf(CODES.beijing, admin)).json().total).toBe(1);
      expect((await queriesOf(UNKNOWN, admin)).statusCode).toBe(404);
    });

    it('answers one code now, and as of a past time from the history', async () => {
      const now = await status(CODES.wenzhouLike, '?purpose=loan_application');
      expect(now.statusCode).toBe(200);
      expect(now.json()).toEqual({
        uscc: CODES.wenzhouLike,
        name: '温州市鹿城阀门有限公司',
        districtCode: '330302',
        grade: 'D',
        ruleSetVersion: 1,
        blacklisted: true,
        blacklistEntries: [
          {
            id: expect.any(String),
            reasonCode: 'substandard_products',
            publishedAt: '2025-12-31T16:00:00.000Z',
            expiresAt: '2029-01-01T16:00:00.000Z',
          },
        ],
        asOf: expect.any(String),
      });

      const before = await status(CODES.wenzhouLike, '?purpose=tax_assessment&asOf=2025-06-01', taxKeyWithStatus());
      expect(before.statusCode).toBe(200);
      expect(before.json()).toMatchObject({
        grade: 'B',
        blacklisted: false,
        blacklistEntries: [],
        asOf: '2025-05-31T16:00:00.000Z',
      });
      const listed = await status(CODES.wenzhouLike, '?purpose=loan_review&asOf=2026-02-01T12:00:00%2B08:00');
      expect(listed.json()).toMatchObject({ grade: 'D', blacklisted: true });

      const logged = await t.sql<{ purpose: string; as_of: Date | null }>(
        `SELECT purpose, as_of FROM credit_queries WHERE uscc = $1 ORDER BY id`,
        [CODES.wenzhouLike],
      );
      expect(logged.slice(1)).toEqual([
        { purpose: 'loan_application', as_of: null },
        { purpose: 'tax_assessment', as_of: new Date('2025-05-31T16:00:00.000Z') },
        { purpose: 'loan_review', as_of: new Date('2026-02-01T04:00:00.000Z') },
      ]);
      const seen = (await queriesOf(CODES.wenzhouLike)).json();
      expect(seen.items.map((q: { institution: string }) => q.institution)).toEqual([
        '温州银行',
        TAX.name,
        '温州银行',
        '温州银行',
      ]);
    });

    let taxStatusKey = '';
    function taxKeyWithStatus(): string {
      return taxStatusKey;
    }
    beforeAll(async () => {
      taxStatusKey = (await createKey(t, admin, ['status:read'], TAX)).key;
    });

    it('answers an unknown code 404 (logged: it was asked), a malformed one or a future asOf 400 (not logged)', async () => {
      const before = (await t.sql(`SELECT count(*)::int AS n FROM credit_queries`))[0].n;
      const unknown = await status(UNKNOWN, '?purpose=other');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.headers['content-type']).toContain('application/problem+json');
      const malformed = await status('12345', '?purpose=other');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().errors).toEqual([{ field: 'uscc', message: 'must be 18 characters long, not 5' }]);
      const future = await status(CODES.wenzhouLike, '?purpose=other&asOf=2999-01-01');
      expect(future.statusCode).toBe(400);
      expect(future.json().errors).toEqual([{ field: 'asOf', message: 'must not be in the future' }]);
      const notADate = await status(CODES.wenzhouLike, '?purpose=other&asOf=March%201');
      expect(notADate.json().errors).toEqual([
        { field: 'asOf', message: 'must be a date (YYYY-MM-DD) or a date and time' },
      ]);
      const unknownField = await status(CODES.wenzhouLike, '?purpose=other&grade=A');
      expect(unknownField.statusCode).toBe(400);
      expect(unknownField.json().errors).toEqual([{ field: 'grade', message: 'is not a known field' }]);
      expect(await t.sql(`SELECT uscc FROM credit_queries ORDER BY id OFFSET $1`, [before])).toEqual([
        { uscc: UNKNOWN },
      ]);
    });

    it('requires a purpose from the list, on both routes (400 problem+json)', async () => {
      for (const res of [
        await status(CODES.wenzhouLike, ''),
        await status(CODES.wenzhouLike, '?purpose=curiosity'),
        await batch({ usccs: [CODES.wenzhouLike] }),
      ]) {
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 400, errors: [{ field: 'purpose' }] });
      }
    });

    it('refuses a malformed batch whole: no codes, too many, a non-string, an unknown field', async () => {
      const cases: [unknown, string][] = [
        [{ purpose: 'other', usccs: [] }, 'usccs'],
        [{ purpose: 'other', usccs: Array.from({ length: 10_001 }, (_, i) => makeUscc('330302', i)) }, 'usccs'],
        [{ purpose: 'other', usccs: [CODES.wenzhouLike, 42] }, 'usccs'],
        [{ purpose: 'other', usccs: [CODES.wenzhouLike], extra: 1 }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const res = await batch(body);
        expect(res.statusCode).toBe(400);
        expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });

    it('screens 10 000 codes in one request', async () => {
      const usccs = Array.from({ length: 10_000 }, (_, i) => makeUscc('330304', i));
      usccs[5_000] = CODES.wenzhouLike;
      const res = await batch({ purpose: 'procurement', usccs });
      expect(res.statusCode).toBe(200);
      expect(res.json().results.map((r: { uscc: string }) => r.uscc)).toEqual([CODES.wenzhouLike]);
      expect(res.json().notFound).toHaveLength(9_999);
    });

    it('logs a large batch (by COPY) as it logs a small one (by INSERT): a row per code, with the asker, purpose and asOf', async () => {
      const small = Array.from({ length: 999 }, (_, i) => makeUscc('330305', i));
      const large = Array.from({ length: 1_000 }, (_, i) => makeUscc('330305', 1_000 + i));
      for (const usccs of [small, large]) {
        expect((await batch({ purpose: 'tax_assessment', asOf: '2025-06-01', usccs })).statusCode).toBe(200);
      }
      const logged = await t.sql<{ uscc: string; user_id: null; as_of: Date; asked_at: Date }>(
        `SELECT uscc, institution_id, api_key_id, user_id, purpose, as_of, asked_at FROM credit_queries
          WHERE uscc = ANY($1) ORDER BY id`,
        [[...small, ...large]],
      );
      expect(logged.map((r) => r.uscc)).toEqual([...small, ...large]);
      for (const row of logged) {
        expect(row).toMatchObject({
          institution_id: bankId,
          api_key_id: bankKeyId,
          user_id: null,
          purpose: 'tax_assessment',
        });
        expect(row.as_of.toISOString()).toBe('2025-05-31T16:00:00.000Z'); // 00:00 Beijing time
      }
      expect(new Set(logged.map((r) => r.asked_at.getTime())).size).toBe(2); // one time per question
    });

    it('gives out no answer that could not be logged: a failing log fails the lookup and the batch (500), logging nothing', async () => {
      const large = Array.from({ length: 1_000 }, (_, i) => makeUscc('330305', 5_000 + i));
      large[500] = CODES.wenzhouLike;
      const before = (await t.sql(`SELECT count(*)::int AS n FROM credit_queries`))[0].n;
      await t.sql(`ALTER TABLE credit_queries ADD CONSTRAINT refuse_all CHECK (false) NOT VALID`);
      try {
        for (const res of [
          await status(CODES.wenzhouLike, '?purpose=other'),
          await batch({ purpose: 'other', usccs: [CODES.wenzhouLike, CODES.beijing] }),
          await batch({ purpose: 'other', usccs: large }), // logged by COPY
        ]) {
          expect(res.statusCode).toBe(500);
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(res.body).not.toContain(CODES.wenzhouLike);
          expect(res.body).not.toContain('grade');
        }
        expect((await t.sql(`SELECT count(*)::int AS n FROM credit_queries`))[0].n).toBe(before);
      } finally {
        await t.sql(`ALTER TABLE credit_queries DROP CONSTRAINT refuse_all`);
      }
      const again = await status(CODES.wenzhouLike, '?purpose=other');
      expect(again.statusCode).toBe(200);
      expect(again.json().grade).toBe('D');
    });

    it('refuses a key without the scope (403) and a call without a key (401)', async () => {
      expect((await status(CODES.wenzhouLike, '?purpose=other', feedOnlyKey)).statusCode).toBe(403);
      expect((await batch({ purpose: 'other', usccs: [CODES.wenzhouLike] }, statusOnlyKey)).statusCode).toBe(403);
      const anonymous = await t.request({
        method: 'GET',
        url: `/api/v1/credit-status/${CODES.wenzhouLike}?purpose=other`,
      });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['content-type']).toContain('application/problem+json');
    });

    it("answers an institution's user too, logging the user", async () => {
      const token = await createUser(t, admin, {
        username: 'bank.clerk',
        password: 'institution-pass',
        role: 'institution',
        institutionId: bankId,
      });
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/credit-status/${CODES.beijing}?purpose=loan_application`,
        token,
      });
      expect(res.statusCode).toBe(200);
      const [row] = await t.sql<{ user_id: string | null; api_key_id: string | null }>(
        `SELECT user_id, api_key_id FROM credit_queries ORDER BY id DESC LIMIT 1`,
      );
      expect(row.api_key_id).toBeNull();
      expect(row.user_id).toEqual(expect.any(String));
    });
  });

  describe('watchlist', () => {
    const watchlist = (key = bankKey, query = '') =>
      t.request({ method: 'GET', url: `/api/v1/watchlist${query}`, headers: asKey(key) });
    const put = (usccs: unknown[], key = bankKey) =>
      t.request({ method: 'PUT', url: '/api/v1/watchlist', headers: asKey(key), body: { usccs } });
    const add = (usccs: unknown[]) =>
      t.request({ method: 'POST', url: '/api/v1/watchlist/items', headers: asKey(bankKey), body: { usccs } });
    const remove = (uscc: string) =>
      t.request({ method: 'DELETE', url: `/api/v1/watchlist/items/${uscc}`, headers: asKey(bankKey) });
    const codes = async (key = bankKey) =>
      (await watchlist(key, '?pageSize=500')).json().items.map((i: { uscc: string }) => i.uscc);

    it('replaces, adds and removes codes; a list with a bad code changes nothing', async () => {
      const replaced = await put([CODES.wenzhouLike, UNKNOWN, CODES.wenzhouLike]);
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toEqual({ total: 2, added: 2, removed: 0 });
      expect(await codes()).toEqual([CODES.wenzhouLike, UNKNOWN].sort());
      expect(await codes(taxKey)).toEqual([]);

      const bad = await put([CODES.beijing, 'BAD', CODES.wenzhouLike.slice(0, 17) + 'Z', 7]);
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      const badStrings = await put([CODES.beijing, 'BAD', CODES.wenzhouLike.slice(0, 17) + 'Y']);
      expect(badStrings.statusCode).toBe(400);
      expect(badStrings.json()).toMatchObject({
        detail: '2 of the codes are not credit codes; nothing was changed',
        errors: [
          { field: 'usccs[1]', message: expect.stringContaining('"BAD"') },
          { field: 'usccs[2]', message: expect.stringContaining('check character') },
        ],
      });
      expect((await add(['BAD'])).statusCode).toBe(400);
      expect(await codes()).toEqual([CODES.wenzhouLike, UNKNOWN].sort());

      const added = await add([CODES.beijing, CODES.wenzhouLike]);
      expect(added.json()).toEqual({ total: 3, added: 1, removed: 0 });
      expect((await put([CODES.beijing, CODES.wenzhouLike])).json()).toEqual({ total: 2, added: 0, removed: 1 });

      expect((await remove(CODES.beijing.toLowerCase())).statusCode).toBe(204);
      expect((await remove(CODES.beijing)).statusCode).toBe(404);
      expect((await remove('BAD')).statusCode).toBe(400);
      expect(await codes()).toEqual([CODES.wenzhouLike]);

      const audit = await t.sql<{ action: string }>(
        `SELECT action FROM audit_events WHERE entity_type = 'watchlist' ORDER BY seq`,
      );
      expect(audit.map((a) => a.action)).toEqual([
        'watchlist.replace',
        'watchlist.add',
        'watchlist.replace',
        'watchlist.remove',
      ]);
    });

    it('takes a list far above the ordinary body limit in one replacement', async () => {
      const usccs = Array.from({ length: 200_000 }, (_, i) => makeUscc('330381', i));
      const res = await put(usccs, taxKey);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ total: 200_000, added: 200_000, removed: 0 });
      const page = (await watchlist(taxKey, '?page=2&pageSize=500')).json();
      expect(page).toMatchObject({ page: 2, pageSize: 500, total: 200_000 });
      expect(page.items).toHaveLength(500);
      expect((await put([], taxKey)).json()).toEqual({ total: 0, added: 0, removed: 200_000 });
    });

    it('is for keys with feed:read', async () => {
      expect((await watchlist(statusOnlyKey)).statusCode).toBe(403);
      expect((await t.request({ method: 'GET', url: '/api/v1/watchlist' })).statusCode).toBe(401);
    });
  });

  describe('change feed', () => {
    const feed = async (query: string, key = bankKey): Promise<{ events: FeedEvent[]; nextAfter: number }> => {
      const res = await t.request({ method: 'GET', url: `/api/v1/feed${query}`, headers: asKey(key) });
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const connect = async () => {
      const client = new Client({ connectionString: t.config.DATABASE_URL });
      await client.connect();
      return client;
    };
    const insertEvent = async (client: Client, uscc: string, note: string): Promise<number> => {
      const { rows } = await client.query(
        `INSERT INTO change_events (type, uscc, data) VALUES ('classification.changed', $1, $2) RETURNING seq`,
        [uscc, { note }],
      );
      return Number(rows[0].seq);
    };
    /** Follows the feed as a consumer does, from `after`, until `done` says it has what it waits for. */
    const follow = async (after: number, done: (seqs: number[]) => boolean, query = '') => {
      const seqs: number[] = [];
      for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
        const page = await feed(`?after=${after}&limit=2${query}`);
        seqs.push(...page.events.map((e) => e.seq));
        after = page.nextAfter;
        if (done(seqs)) break;
        if (!page.events.length) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { seqs, after };
    };
    /** The feed's position once everything committed so far has settled. */
    const settledPosition = async () => {
      const [{ max }] = await t.sql<{ max: string | null }>(`SELECT max(seq)::text AS max FROM change_events`);
      return (await follow(0, (seqs) => seqs.includes(Number(max ?? -1)) || max === null)).after;
    };

    it('never lets a consumer skip an event whose transaction commits after a later one', async () => {
      const start = await settledPosition();
      const slow = await connect();
      const quick = await connect();
      try {
        await slow.query('BEGIN');
        const low = await insertEvent(slow, CODES.wenzhouLike, 'slow');
        const high = await insertEvent(quick, CODES.beijing, 'quick'); // commits at once
        expect(high).toBeGreaterThan(low);

        // The higher event is committed, but the lower one may still come: neither is shown.
        const held = await feed(`?after=${start}`);
        expect(held.events.map((e) => e.seq)).toEqual([]);
        expect(held.nextAfter).toBe(start);

        await slow.query('COMMIT');
        const { seqs } = await follow(start, (s) => s.includes(high));
        expect(seqs).toEqual([low, high]);
      } finally {
        await slow.end();
        await quick.end();
      }
    });

    it('holds back an old transaction’s event that lies above a newer transaction’s', async () => {
      const start = await settledPosition();
      const [older, running, newer] = [await connect(), await connect(), await connect()];
      try {
        // Transaction ids in the order older < running < newer; event numbers newer < running < older.
        await older.query('BEGIN');
        await older.query('SELECT pg_current_xact_id()');
        await running.query('BEGIN');
        await running.query('SELECT pg_current_xact_id()');
        const low = await insertEvent(newer, CODES.wenzhouLike, 'newer'); // commits at once
        const middle = await insertEvent(running, CODES.wenzhouLike, 'running'); // in flight
        const high = await insertEvent(older, CODES.beijing, 'older');
        await older.query('COMMIT');

        // Row by row, `high` (an old transaction) would pass, skipping `middle`, and `low` (newer
        // than `running`) not.
        const held = await feed(`?after=${start}`);
        expect(held.events.map((e) => e.seq)).toEqual([]);

        await running.query('COMMIT');
        const { seqs } = await follow(start, (s) => s.includes(high));
        expect(seqs).toEqual([low, middle, high]);
      } finally {
        await Promise.all([older.end(), running.end(), newer.end()]);
      }
    });

    it('is not held back by a long transaction that writes no event, here or in another database', async () => {
      const start = await settledPosition();
      const elsewhere = new Client({ connectionString: adminDatabaseUrl() });
      await elsewhere.connect();
      const here = await connect();
      try {
        // Two write transactions left open, as an import here or another application's work would.
        for (const open of [elsewhere, here]) {
          await open.query('BEGIN');
          await open.query('SELECT pg_current_xact_id()');
        }
        const client = await connect();
        const event = await insertEvent(client, CODES.wenzhouLike, 'while others run').finally(() => client.end());
        const shown = await feed(`?after=${start}`);
        expect(shown.events.map((e) => e.seq)).toEqual([event]);
        expect(shown.nextAfter).toBe(event);
      } finally {
        await Promise.all([elsewhere.end(), here.end()]);
      }
    });

    it('returns events in seq order with their fields; scope=watchlist keeps the watched codes only', async () => {
      const start = await settledPosition();
      const client = await connect();
      let seqs: number[];
      try {
        seqs = [
          await insertEvent(client, CODES.beijing, 'one'),
          await insertEvent(client, CODES.wenzhouLike, 'two'),
          await insertEvent(client, CODES.beijing, 'three'),
          await insertEvent(client, CODES.wenzhouLike, 'four'),
        ];
      } finally {
        await client.end();
      }
      await follow(start, (s) => s.includes(seqs[3]));

      const all = await feed(`?after=${start}&limit=10`);
      expect(all.events.map((e) => e.seq)).toEqual(seqs);
      expect(all.events[0]).toEqual({
        seq: seqs[0],
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'classification.changed',
        uscc: CODES.beijing,
        occurredAt: expect.any(String),
        data: { note: 'one' },
      });
      expect(all.nextAfter).toBe(seqs[3]);

      // The bank watches Wenzhou-like only (from the watchlist test); the tax office watches nothing.
      const watched = await feed(`?after=${start}&scope=watchlist`);
      expect(watched.events.map((e) => e.data.note)).toEqual(['two', 'four']);
      expect(watched.nextAfter).toBe(seqs[3]);
      const page = await feed(`?after=${start}&scope=watchlist&limit=1`);
      expect(page.events.map((e) => e.data.note)).toEqual(['two']);
      expect(page.nextAfter).toBe(seqs[1]);
      const none = await feed(`?after=${start}&scope=watchlist`, taxKey);
      expect(none).toEqual({ events: [], nextAfter: seqs[3] });
    });

    it('validates its query and is for keys with feed:read', async () => {
      const bad = await t.request({
        method: 'GET',
        url: '/api/v1/feed?after=-1&limit=5000&scope=mine',
        headers: asKey(bankKey),
      });
      expect(bad.statusCode).toBe(400);
      expect(
        bad
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['after', 'limit', 'scope']);
      expect((await t.request({ method: 'GET', url: '/api/v1/feed', headers: asKey(statusOnlyKey) })).statusCode).toBe(
        403,
      );
      expect((await t.request({ method: 'GET', url: '/api/v1/feed' })).statusCode).toBe(401);
    });
  });
});
