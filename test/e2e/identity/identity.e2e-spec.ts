import Redis from 'ioredis';
import { REDIS } from '../../../src/redis/redis.token';
import { createHash } from 'node:crypto';
import { DepartmentsService } from '../../../src/identity/departments.service';
import { TokenService } from '../../../src/identity/token.service';
import { CODES, createEnterprise, createKey, createUser } from '../../helpers/fixtures';
import { Relay } from '../../helpers/relay';
import { until } from '../../helpers/until';
import { TestApp } from '../../helpers/test-app';

const fields = (res: { json(): { errors?: { field: string }[] } }) =>
  (res.json().errors ?? []).map((e) => e.field).sort();

describe('identity and access', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    admin = await t.loginAdmin();
    await createEnterprise(t, admin, CODES.wenzhouLike, { districtCode: '330302' });
    await createEnterprise(t, admin, CODES.beijing, { name: '龙湾测试鞋业有限公司', districtCode: '330303' });
  });
  afterAll(() => t.close());

  const post = (url: string, body: unknown, token = admin) => t.request({ method: 'POST', url, body, token });

  describe('users', () => {
    it('creates a user of each role, bound as the role needs, and they can log in', async () => {
      const bank = await post('/api/v1/institutions', {
        name: '中国工商银行温州分行',
        kind: 'bank',
        departmentCode: 'PBOC',
      });
      const users = [
        {
          username: 'qts.li',
          password: 'regulator-pass-1',
          role: 'regulator',
          departmentCode: 'QTS',
          districtCode: '330302',
        },
        { username: 'amr.wang', password: 'reviewer-pass-01', role: 'reviewer', departmentCode: 'AMR' },
        { username: 'icbc.zhao', password: 'institution-pass', role: 'institution', institutionId: bank.json().id },
        {
          username: 'valve.co',
          password: 'enterprise-pass1',
          role: 'enterprise',
          uscc: CODES.wenzhouLike.toLowerCase(),
        },
        { username: 'second.admin', password: 'admin-password-2', role: 'admin' },
      ];
      for (const user of users) {
        const res = await post('/api/v1/users', user);
        expect(res.statusCode).toBe(201);
        expect(res.json()).toMatchObject({ username: user.username, role: user.role });
        expect(res.body).not.toContain(user.password);
        expect(res.body).not.toContain('argon2');
      }
      const login = await post('/api/v1/auth/login', { username: 'QTS.LI', password: 'regulator-pass-1' }, undefined);
      expect(login.json().user).toEqual({ username: 'qts.li', role: 'regulator', departmentCode: 'QTS' });
      const claims = JSON.parse(Buffer.from(login.json().accessToken.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ role: 'regulator', dept: 'QTS', district: '330302', sub: expect.any(String) });
      expect(claims.exp - claims.iat).toBe(900);
      const [row] = await t.sql<{ password_hash: string; uscc: string }>(
        `SELECT password_hash, uscc FROM users WHERE username = 'valve.co'`,
      );
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.uscc).toBe(CODES.wenzhouLike);
    });

    it.each([
      ['a regulator without a department', { role: 'regulator' }, ['departmentCode']],
      ['a regulator with an enterprise', { role: 'regulator', departmentCode: 'AMR', uscc: CODES.beijing }, ['uscc']],
      ['an admin with a department', { role: 'admin', departmentCode: 'AMR' }, ['departmentCode']],
      ['a reviewer of a finance department', { role: 'reviewer', departmentCode: 'PBOC' }, ['departmentCode']],
      ['a regulator of an unknown department', { role: 'regulator', departmentCode: 'XYZ' }, ['departmentCode']],
      [
        'a regulator of an unknown district',
        { role: 'regulator', departmentCode: 'AMR', districtCode: '110101' },
        ['districtCode'],
      ],
      ['an enterprise user of an unregistered code', { role: 'enterprise', uscc: CODES.shenzhen }, ['uscc']],
      ['an enterprise user of an invalid code', { role: 'enterprise', uscc: '91330100799655058C' }, ['uscc']],
      ['an institution user without an institution', { role: 'institution' }, ['institutionId']],
      ['an unknown role and a short password', { role: 'root', password: 'short' }, ['password', 'role']],
    ])('refuses %s', async (_, overrides, expected) => {
      const before = await t.sql(`SELECT count(*) FROM users`);
      const res = await post('/api/v1/users', { username: 'new.user', password: 'long-enough-pass', ...overrides });
      expect(res.statusCode).toBe(400);
      expect(fields(res)).toEqual(expected);
      expect(await t.sql(`SELECT count(*) FROM users`)).toEqual(before);
    });

    it('refuses a user name that is taken, in any case', async () => {
      const res = await post('/api/v1/users', { username: 'ADMIN', password: 'long-enough-pass', role: 'admin' });
      expect(res.statusCode).toBe(409);
    });

    it('lists users to admins only', async () => {
      const list = await t.request({ method: 'GET', url: '/api/v1/users?role=regulator', token: admin });
      expect(list.json().items.map((u: { username: string }) => u.username)).toEqual(['qts.li']);
      expect(list.body).not.toMatch(/password/i);
      const regulator = await t.login('qts.li', 'regulator-pass-1');
      expect((await t.request({ method: 'GET', url: '/api/v1/users', token: regulator })).statusCode).toBe(403);
      expect(
        (await post('/api/v1/users', { username: 'x12', password: 'long-enough-pass', role: 'admin' }, regulator))
          .statusCode,
      ).toBe(403);
    });
  });

  describe('login protection', () => {
    beforeAll(async () => {
      await createUser(t, admin, {
        username: 'target',
        password: 'the-right-password',
        role: 'reviewer',
        departmentCode: 'AMR',
      });
    });

    it('slows a name that keeps failing from one address, progressively, and not the same name from elsewhere', async () => {
      const attempt = (password: string, remoteAddress = '10.0.0.7') =>
        t.request({
          method: 'POST',
          url: '/api/v1/auth/login',
          body: { username: 'Target', password },
          remoteAddress,
        });
      for (let i = 0; i < 5; i++) expect((await attempt('wrong-password')).statusCode).toBe(401);
      const slowed = await attempt('the-right-password');
      expect(slowed.statusCode).toBe(429);
      expect(slowed.json().type).toContain('login-throttled');
      // The wait counts down from 15 s as the requests take their time on a busy machine.
      expect(Number(slowed.headers['retry-after'])).toBeGreaterThanOrEqual(10);
      expect(Number(slowed.headers['retry-after'])).toBeLessThanOrEqual(15);
      // The real user, elsewhere, is not kept out by the guesser's failures.
      expect((await attempt('the-right-password', '10.0.0.8')).statusCode).toBe(200);

      // Once the wait is over (its key expires in Redis), the next failure waits twice as long.
      const redis = new Redis(t.config.REDIS_URL, { keyPrefix: `${t.config.REDIS_PREFIX}:` });
      await redis.del('login-wait:target|10.0.0.7');
      redis.disconnect();
      expect((await attempt('wrong-password')).statusCode).toBe(401);
      const longer = await attempt('the-right-password');
      expect(longer.statusCode).toBe(429);
      expect(Number(longer.headers['retry-after'])).toBeGreaterThanOrEqual(25);
      expect(Number(longer.headers['retry-after'])).toBeLessThanOrEqual(30);
    });

    it('counts guesses sent in parallel like guesses sent one by one', async () => {
      const guesses = await Promise.all(
        Array.from({ length: 25 }, () =>
          t.request({
            method: 'POST',
            url: '/api/v1/auth/login',
            body: { username: 'target', password: 'a-parallel-guess' },
            remoteAddress: '10.0.0.31',
          }),
        ),
      );
      const statuses = guesses.map((g) => g.statusCode);
      // The free failures, and at most one more once they are spent; the rest wait.
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(6);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(19);
    });

    it('keeps letting in a user who logged in from an address that a guesser has made wait, counting IPv6 by /64', async () => {
      const login = (username: string, password: string, remoteAddress: string) =>
        t
          .request({ method: 'POST', url: '/api/v1/auth/login', body: { username, password }, remoteAddress })
          .then((r) => r.statusCode);
      const office = '10.0.0.50';
      expect(await login('target', 'the-right-password', office)).toBe(200);
      for (let i = 0; i < 20; i++) expect(await login(`guess${i}`, 'a-guessed-password', office)).toBe(401);
      // The rest of the hour's failures from the office (sent one a minute, they would take too long here).
      const redis = new Redis(t.config.REDIS_URL, { keyPrefix: `${t.config.REDIS_PREFIX}:` });
      await redis.set(`login-ip-failures:${office}`, 101, 'EX', 3600);
      await redis.set('login-ip-failures:2001:db8:1:2::/64', 101, 'EX', 3600);
      redis.disconnect();

      // A name that never logged in from the office waits, even with the right password ...
      const unknown = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'qts.li', password: 'regulator-pass-1' },
        remoteAddress: office,
      });
      expect(unknown.statusCode).toBe(429);
      expect(unknown.json().type).toContain('login-throttled');
      // ... one that did still logs in there.
      expect(await login('target', 'the-right-password', office)).toBe(200);
      // Another address of the same IPv6 /64 shares its count; the next /64 does not.
      expect(await login('qts.li', 'regulator-pass-1', '2001:db8:1:2:aaaa::7')).toBe(429);
      expect(await login('qts.li', 'regulator-pass-1', '2001:db8:1:3::7')).toBe(200);
    });

    it('throttles login attempts per client address', async () => {
      const attempts = await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          t.request({
            method: 'POST',
            url: '/api/v1/auth/login',
            body: { username: `nobody${i}`, password: 'whatever-it-is' },
            remoteAddress: '10.0.0.99',
          }),
        ),
      );
      const statuses = attempts.map((a) => a.statusCode).sort();
      expect(statuses).toEqual([...Array(30).fill(401), 429, 429]);
      const elsewhere = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'qts.li', password: 'regulator-pass-1' },
        remoteAddress: '10.0.0.100',
      });
      expect(elsewhere.statusCode).toBe(200);
    });

    it('lets users log in while Redis is out, throttled in each process', async () => {
      const relay = new Relay(() => t.config.REDIS_URL);
      await relay.open();
      const cut = await t.replica({}, { REDIS_URL: relay.url() });
      try {
        await relay.close();
        await until('the replica to lose Redis', async () => cut.app.get<Redis>(REDIS).status !== 'ready', 2000, 5);
        const attempt = (password: string, remoteAddress = '10.0.0.60') =>
          cut
            .request({
              method: 'POST',
              url: '/api/v1/auth/login',
              body: { username: 'target', password },
              remoteAddress,
            })
            .then((r) => r.statusCode);
        expect(await attempt('the-right-password')).toBe(200);
        for (let i = 0; i < 5; i++) expect(await attempt('wrong-password')).toBe(401);
        expect(await attempt('the-right-password')).toBe(429);
        expect(await attempt('the-right-password', '10.0.0.61')).toBe(200);
      } finally {
        await relay.open();
        await until(
          'the replica to reach Redis again',
          async () => cut.app.get<Redis>(REDIS).status === 'ready',
          5000,
          10,
        );
        await cut.close();
        await relay.close();
      }
    });
  });

  describe('district jurisdiction', () => {
    let district: string;
    let city: string;
    beforeAll(async () => {
      district = await t.login('qts.li', 'regulator-pass-1'); // Lucheng 330302
      city = await createUser(t, admin, {
        username: 'amr.city',
        password: 'city-level-pass',
        role: 'regulator',
        departmentCode: 'AMR',
        districtCode: '330300',
      });
    });

    it('lets a district regulator register only in their district', async () => {
      const elsewhere = await post(
        '/api/v1/enterprises',
        { uscc: CODES.shenzhen, name: '瑞安测试有限公司', districtCode: '330381' },
        district,
      );
      expect(elsewhere.statusCode).toBe(403);
      expect(elsewhere.json().detail).toContain('330302');
      const own = await post(
        '/api/v1/enterprises',
        { uscc: CODES.shenzhen, name: '鹿城测试有限公司', districtCode: '330302' },
        district,
      );
      expect(own.statusCode).toBe(201);
    });

    it('lets a district regulator read, search and change only enterprises of their district', async () => {
      const get = (uscc: string, token: string) =>
        t.request({ method: 'GET', url: `/api/v1/enterprises/${uscc}`, token });
      expect((await get(CODES.wenzhouLike, district)).statusCode).toBe(200);
      expect((await get(CODES.beijing, district)).statusCode).toBe(403);
      const patch = await t.request({
        method: 'PATCH',
        url: `/api/v1/enterprises/${CODES.beijing}`,
        body: { name: '改名' },
        token: district,
      });
      expect(patch.statusCode).toBe(403);
      const search = await t.request({ method: 'GET', url: '/api/v1/enterprises', token: district });
      expect(search.json().items.map((e: { districtCode: string }) => e.districtCode)).toEqual(['330302', '330302']);
      const other = await t.request({ method: 'GET', url: '/api/v1/enterprises?districtCode=330303', token: district });
      expect(other.statusCode).toBe(403);
      const citywide = await t.request({ method: 'GET', url: '/api/v1/enterprises', token: city });
      expect(citywide.json().total).toBe(3);
      expect((await get(CODES.beijing, city)).statusCode).toBe(200);
    });
  });

  describe('institutions and API keys', () => {
    let bankId: string;

    it('registers banks under a finance department and tax offices under a tax department only', async () => {
      const bank = await post('/api/v1/institutions', { name: '温州银行', kind: 'bank', departmentCode: 'PBOC' });
      expect(bank.statusCode).toBe(201);
      bankId = bank.json().id;
      const wrong = await post('/api/v1/institutions', { name: '某银行', kind: 'bank', departmentCode: 'STAX' });
      expect(wrong.statusCode).toBe(400);
      expect(fields(wrong)).toEqual(['departmentCode']);
      expect(
        (await post('/api/v1/institutions', { name: '温州市鹿城区税务所', kind: 'tax', departmentCode: 'LTAX' }))
          .statusCode,
      ).toBe(201);
      expect(
        (await post('/api/v1/institutions', { name: '温州银行', kind: 'bank', departmentCode: 'PBOC' })).statusCode,
      ).toBe(409);
    });

    it('shows a new key once, stores only its hash, and lists it by prefix', async () => {
      const res = await post(`/api/v1/institutions/${bankId}/api-keys`, { scopes: ['status:read', 'batch:read'] });
      expect(res.statusCode).toBe(201);
      const { key, prefix, id } = res.json();
      expect(key.startsWith(`${prefix}_`)).toBe(true);
      expect(res.json()).toMatchObject({
        scopes: ['status:read', 'batch:read'],
        rateLimitPerMinute: 600,
        revokedAt: null,
      });
      const [row] = await t.sql<{ key_hash: string }>(`SELECT key_hash FROM api_keys WHERE id = $1`, [id]);
      expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
      const dump = JSON.stringify(await t.sql(`SELECT * FROM api_keys`));
      expect(dump).not.toContain(key.slice(prefix.length + 1));
      const list = await t.request({ method: 'GET', url: `/api/v1/institutions/${bankId}/api-keys`, token: admin });
      expect(list.json()).toEqual([expect.objectContaining({ id, prefix })]);
      expect(list.body).not.toContain(key);
    });

    it('refuses unknown scopes and unknown institutions', async () => {
      const bad = await post(`/api/v1/institutions/${bankId}/api-keys`, { scopes: ['status:write'] });
      expect(fields(bad)).toEqual(['scopes']);
      const unknown = await post('/api/v1/institutions/00000000-0000-4000-8000-000000000000/api-keys', {
        scopes: ['feed:read'],
      });
      expect(unknown.statusCode).toBe(404);
    });

    it('authenticates a key on scoped routes only', async () => {
      const { key, institutionId } = await createKey(t, admin, ['feed:read']);
      const me = await t.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({
        key: { scopes: ['feed:read'] },
        institution: { id: institutionId, name: '温州银行', departmentCode: 'PBOC' },
      });
      expect(me.body).not.toContain(key);
      const userRoute = await t.request({ method: 'GET', url: '/api/v1/enterprises', headers: { 'x-api-key': key } });
      expect(userRoute.statusCode).toBe(403);
      const bearer = await t.request({ method: 'GET', url: '/api/v1/api-keys/current', token: admin });
      expect(bearer.statusCode).toBe(403);
      const none = await t.request({ method: 'GET', url: '/api/v1/api-keys/current' });
      expect(none.statusCode).toBe(401);
      expect(none.json().detail).toContain('X-API-Key');
      const forged = await t.request({
        method: 'GET',
        url: '/api/v1/api-keys/current',
        headers: { 'x-api-key': `${key.slice(0, -2)}xx` },
      });
      expect(forged.statusCode).toBe(401);
    });

    it('refuses a revoked key on the very next request, on every replica within a second', async () => {
      const { key, keyId } = await createKey(t, admin, ['status:read']);
      const replica = await t.replica();
      try {
        const call = (app: TestApp) =>
          app.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
        expect((await call(t)).statusCode).toBe(200);
        expect((await call(replica)).statusCode).toBe(200); // now cached on the replica
        const revoked = await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${keyId}`, token: admin });
        expect(revoked.statusCode).toBe(204);
        expect((await call(t)).statusCode).toBe(401);
        const started = Date.now();
        let status = (await call(replica)).statusCode;
        while (status === 200 && Date.now() - started < 1000) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          status = (await call(replica)).statusCode;
        }
        expect(status).toBe(401);
        expect(Date.now() - started).toBeLessThan(1000);
      } finally {
        await replica.close();
      }
      expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${keyId}`, token: admin })).statusCode).toBe(
        409,
      );
      const unknown = await t.request({
        method: 'DELETE',
        url: '/api/v1/api-keys/00000000-0000-4000-8000-000000000000',
        token: admin,
      });
      expect(unknown.statusCode).toBe(404);
    });

    it('looks a key up in the database once, then serves it from the cache', async () => {
      const { key, keyId } = await createKey(t, admin, ['feed:read']);
      const call = () => t.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
      expect((await call()).statusCode).toBe(200);
      // Behind the API's back the row says revoked, yet the cached key still works: no per-request query.
      await t.sql(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [keyId]);
      expect((await call()).statusCode).toBe(200);
    });

    it('answers 429 with Retry-After once a key passes its rate', async () => {
      const { key } = await createKey(t, admin, ['status:read'], undefined, 3);
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await t.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(last!.json().type).toContain('rate-limited');
    });
  });

  describe('departments', () => {
    it('adds and renames departments, without touching their code', async () => {
      const created = await post('/api/v1/departments', {
        code: 'CTB',
        nameZh: '温州市文化广电旅游局',
        nameEn: 'Wenzhou Culture and Tourism Bureau',
        kind: 'regulator',
      });
      expect(created.statusCode).toBe(201);
      expect(
        (await post('/api/v1/departments', { code: 'CTB', nameZh: 'x', nameEn: 'x', kind: 'regulator' })).statusCode,
      ).toBe(409);
      const bad = await post('/api/v1/departments', { code: 'ctb', nameZh: '', nameEn: 'x', kind: 'bureau' });
      expect(fields(bad)).toEqual(['code', 'kind', 'nameZh']);
      const renamed = await t.request({
        method: 'PATCH',
        url: '/api/v1/departments/TOUR',
        token: admin,
        body: { nameZh: '温州市旅游局(旧)' },
      });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ code: 'TOUR', nameZh: '温州市旅游局(旧)', kind: 'regulator' });
      const unknown = await t.request({
        method: 'PATCH',
        url: '/api/v1/departments/NOPE',
        token: admin,
        body: { nameZh: 'x' },
      });
      expect(unknown.statusCode).toBe(404);
    });

    it('merges a department: its users and institutions pass to the successor, and it stays in history', async () => {
      await createUser(t, admin, {
        username: 'tour.chen',
        password: 'tourism-pass-01',
        role: 'regulator',
        departmentCode: 'TOUR',
      });
      // Signed in before the merger, on another replica too (which caches who they are).
      const before = await t.login('tour.chen', 'tourism-pass-01');
      const replica = await t.replica();
      const merged = await (async () => {
        try {
          expect((await replica.request({ method: 'GET', url: '/api/v1/enterprises', token: before })).statusCode).toBe(
            200,
          );
          const done = await post('/api/v1/departments/TOUR/merge-into', { successorCode: 'CTB' });
          // The replica hears of the move within a second: what they record now is the successor's.
          await until(
            'the replica to see the move',
            async () => (await replica.app.get(TokenService).verify(before))?.departmentCode === 'CTB',
            1000,
            10,
          );
          const record = await replica.request({
            method: 'POST',
            url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`,
            token: before,
            body: {
              type: 'spot_check_fail',
              occurredOn: '2025-06-10',
              documentNo: '温旅抽字〔2025〕1号',
              summary: '监督抽查：不合格',
              severity: 'serious',
            },
          });
          expect(record.statusCode).toBe(201);
          expect(record.json().departmentCode).toBe('CTB');
          return done;
        } finally {
          await replica.close();
        }
      })();
      expect(merged.statusCode).toBe(200);
      expect(merged.json()).toMatchObject({
        department: { code: 'TOUR', successorCode: 'CTB', mergedAt: expect.any(String) },
        usersMoved: 1,
        institutionsMoved: 0,
      });
      const login = await post('/api/v1/auth/login', { username: 'tour.chen', password: 'tourism-pass-01' }, undefined);
      expect(login.json().user.departmentCode).toBe('CTB');
      const list = await t.request({ method: 'GET', url: '/api/v1/departments' });
      expect(list.json()).toContainEqual(expect.objectContaining({ code: 'TOUR', successorCode: 'CTB' }));
      expect(await t.app.get(DepartmentsService).lineage('CTB')).toEqual(['CTB', 'TOUR']);

      const tax = await post('/api/v1/departments/LTAX/merge-into', { successorCode: 'STAX' });
      expect(tax.json()).toMatchObject({ institutionsMoved: 1 });
      const institutions = await t.request({ method: 'GET', url: '/api/v1/institutions', token: admin });
      expect(institutions.json()).toContainEqual(
        expect.objectContaining({ name: '温州市鹿城区税务所', departmentCode: 'STAX' }),
      );
    });

    it('refuses mergers that make no sense', async () => {
      const merge = (code: string, successorCode: string) =>
        post(`/api/v1/departments/${code}/merge-into`, { successorCode });
      expect((await merge('TOUR', 'AMR')).statusCode).toBe(409); // already merged
      expect(fields(await merge('EPB', 'TOUR'))).toEqual(['successorCode']); // into a merged one
      expect((await merge('EPB', 'EPB')).statusCode).toBe(400);
      expect(fields(await merge('EPB', 'STAX'))).toEqual(['successorCode']); // another kind
      expect((await merge('NOPE', 'AMR')).statusCode).toBe(404);
      const user = await post('/api/v1/users', {
        username: 'late.tour',
        password: 'long-enough-pass',
        role: 'regulator',
        departmentCode: 'TOUR',
      });
      expect(user.statusCode).toBe(400);
      expect(user.json().errors[0].message).toContain('merged into CTB');
    });
  });

  describe('legacy credit codes', () => {
    const legacy = '91330100799655058C';

    it('accepts a code that fails its check character once an admin allows it, with a reason', async () => {
      const body = { uscc: legacy, name: '早期登记测试有限公司', districtCode: '330302' };
      expect((await post('/api/v1/enterprises', body)).statusCode).toBe(400);
      const allowed = await post('/api/v1/uscc-allowlist', {
        uscc: legacy.toLowerCase(),
        reason: 'Issued in 2016 with a wrong check character; confirmed in writing',
      });
      expect(allowed.statusCode).toBe(201);
      expect(allowed.json()).toMatchObject({ uscc: legacy, createdBy: expect.any(String) });
      expect((await post('/api/v1/enterprises', body)).statusCode).toBe(201);
      const [event] = await t.sql(
        `SELECT actor_name, action FROM audit_events WHERE entity_type = 'uscc-allowlist' AND entity_id = $1`,
        [legacy],
      );
      expect(event).toEqual({ actor_name: 'admin', action: 'uscc-allowlist.add' });
    });

    it('never allows a code of the wrong form, a code that passes anyway, or one twice', async () => {
      const reason = 'a long enough reason';
      expect(fields(await post('/api/v1/uscc-allowlist', { uscc: '91330100799655O58B', reason }))).toEqual(['uscc']);
      expect(fields(await post('/api/v1/uscc-allowlist', { uscc: CODES.shenzhen, reason }))).toEqual(['uscc']);
      expect((await post('/api/v1/uscc-allowlist', { uscc: legacy, reason })).statusCode).toBe(409);
      const regulator = await t.login('qts.li', 'regulator-pass-1');
      expect((await post('/api/v1/uscc-allowlist', { uscc: '91110000802100433C', reason }, regulator)).statusCode).toBe(
        403,
      );
    });
  });
});
