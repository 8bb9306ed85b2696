import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { REDIS } from '../../../src/redis/redis.token';
import type Redis from 'ioredis';
import { createKey, createUser } from '../../helpers/fixtures';
import { Relay } from '../../helpers/relay';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

const JWT_SECRET = 'user-tokens-e2e-secret-of-enough-length';
const REGULATOR = {
  username: 'ut.regulator',
  password: 'regulator-pass-1',
  role: 'regulator',
  departmentCode: 'AMR',
};
const SITE = { host: 'registry.test', origin: 'http://registry.test' };

/**
 * Disabling a user and changing their password end their tokens at once, on every replica and
 * for their web session; tokens without an expiry or for an unknown user are refused.
 */
describe('users disabled by an administrator', () => {
  let t: TestApp;
  let replica: TestApp;
  let admin: string;
  let userId: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename, { JWT_SECRET });
    replica = await t.replica();
    admin = await t.loginAdmin();
    await createUser(t, admin, REGULATOR);
    [{ id: userId }] = await t.sql<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [REGULATOR.username]);
  }, 60_000);
  afterAll(async () => {
    await replica?.close();
    await t?.close();
  });

  const patch = (id: string, body: unknown, token = admin) =>
    t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, token, body });
  const districts = (app: TestApp, token: string) =>
    app.request({ method: 'GET', url: '/api/v1/enterprises', token }).then((r) => r.statusCode);
  /** Another replica hears of a change on Redis: within a second, polled every 10 ms. */
  const answersOn = (app: TestApp, token: string, status: number) =>
    until(`the replica to answer ${status}`, async () => (await districts(app, token)) === status, 1000, 10);
  const webLogin = (password = REGULATOR.password) =>
    t.request({
      method: 'POST',
      url: '/login?next=/stats',
      headers: { ...SITE, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: REGULATOR.username, password }).toString(),
    });

  it('refuses a disabled user at once on every replica, in the API and on the web, and lets them back in when enabled', async () => {
    const token = await t.login(REGULATOR.username, REGULATOR.password);
    const signedIn = await webLogin();
    const cookie = /^(qc_session=[^;]+);/.exec(String(signedIn.headers['set-cookie']))![1];
    const stats = () => t.request({ method: 'GET', url: '/stats', headers: { host: SITE.host, cookie } });
    // Both replicas have seen (and cached) the user as enabled.
    expect(await districts(t, token)).toBe(200);
    expect(await districts(replica, token)).toBe(200);
    expect((await stats()).statusCode).toBe(200);

    const disabled = await patch(userId, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ id: userId, username: REGULATOR.username, disabled: true });

    expect(await districts(t, token)).toBe(401);
    await answersOn(replica, token, 401);
    const page = await stats();
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=/stats');

    const login = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: REGULATOR.username, password: REGULATOR.password },
    });
    expect(login.statusCode).toBe(403);
    expect(login.json()).toMatchObject({ type: 'urn:quality-credit:problem:account-disabled' });
    expect(login.json().detail).toContain('disabled');
    // A wrong password learns nothing about the account.
    const guess = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: REGULATOR.username, password: 'not-the-password' },
    });
    expect(guess.statusCode).toBe(401);
    const web = await webLogin();
    expect(web.statusCode).toBe(403);
    expect(web.body).toContain('该账号已停用，请联系管理员。');

    const audit = await t.request({
      method: 'GET',
      url: `/api/v1/audit/events?action=user.update&entityId=${userId}`,
      token: admin,
    });
    expect(audit.json().items).toEqual([
      expect.objectContaining({
        action: 'user.update',
        entityId: userId,
        actor: expect.objectContaining({ name: 'admin' }),
      }),
    ]);

    const enabled = await patch(userId, { disabled: false });
    expect(enabled.json()).toMatchObject({ disabled: false });
    // Enabling does not revive the tokens issued before the user was disabled.
    expect(await districts(replica, token)).toBe(401);
    const fresh = await t.login(REGULATOR.username, REGULATOR.password);
    await answersOn(replica, fresh, 200);
  });

  it('refuses a disabled user and a revoked key at once on a replica that cannot hear announcements', async () => {
    const relay = new Relay(() => t.config.REDIS_URL);
    await relay.open();
    const deaf = await t.replica({}, { REDIS_URL: relay.url() });
    try {
      const token = await t.login(REGULATOR.username, REGULATOR.password);
      const { key, keyId } = await createKey(t, admin, ['status:read']);
      const keyCall = () =>
        deaf.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
      // The replica has seen (and cached) both as valid.
      expect(await districts(deaf, token)).toBe(200);
      expect((await keyCall()).statusCode).toBe(200);

      // Its Redis goes out of reach: it misses every announcement from now on.
      await relay.close();
      await until('the replica to lose Redis', async () => deaf.app.get<Redis>(REDIS).status !== 'ready', 2000, 5);
      expect((await patch(userId, { disabled: true })).statusCode).toBe(200);
      const revoked = await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${keyId}`, token: admin });
      expect(revoked.statusCode).toBe(204);
      expect(await districts(deaf, token)).toBe(401);
      expect((await keyCall()).statusCode).toBe(401);

      // Redis back: the replica hears announcements again.
      await relay.open();
      expect((await patch(userId, { disabled: false })).statusCode).toBe(200);
      const fresh = await t.login(REGULATOR.username, REGULATOR.password);
      await answersOn(deaf, fresh, 200);
      expect((await patch(userId, { disabled: true })).statusCode).toBe(200);
      await answersOn(deaf, fresh, 401);
      expect((await patch(userId, { disabled: false })).statusCode).toBe(200);
    } finally {
      await deaf.close();
      await relay.close();
    }
  });

  it('ends every token of a user given a new password, and the new password logs in', async () => {
    const token = await t.login(REGULATOR.username, REGULATOR.password);
    expect(await districts(replica, token)).toBe(200);
    const changed = await patch(userId, { password: 'a-brand-new-password' });
    expect(changed.statusCode).toBe(200);
    expect(await districts(t, token)).toBe(401);
    await answersOn(replica, token, 401);
    await expect(t.login(REGULATOR.username, REGULATOR.password)).rejects.toThrow('401');
    expect(await districts(t, await t.login(REGULATOR.username, 'a-brand-new-password'))).toBe(200);
    REGULATOR.password = 'a-brand-new-password';
  });

  it('applies a new district at once and refuses what is not a change a user can have', async () => {
    const token = await t.login(REGULATOR.username, REGULATOR.password);
    const moved = await patch(userId, { districtCode: '330302' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ districtCode: '330302', disabled: false });
    expect(await districts(replica, token)).toBe(200);

    const fieldsOf = (res: { json(): { errors?: { field: string }[] } }) => res.json().errors?.map((e) => e.field);
    const bad = await patch(userId, { disabled: 'yes', password: 'short' });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toEqual(['disabled', 'password']);
    expect((await patch(userId, {})).statusCode).toBe(400);
    // null is neither a password nor a standing: refused, naming the field, and nothing changes.
    await t.sql(`UPDATE users SET disabled_at = now() WHERE id = $1`, [userId]);
    const nulls = await patch(userId, { password: null, disabled: null });
    expect(nulls.statusCode).toBe(400);
    expect(fieldsOf(nulls)).toEqual(['disabled', 'password']);
    expect(fieldsOf(await patch(userId, { disabled: null }))).toEqual(['disabled']);
    expect(fieldsOf(await patch(userId, { password: null }))).toEqual(['password']);
    const [{ disabled }] = await t.sql<{ disabled: boolean }>(
      `SELECT disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1`,
      [userId],
    );
    expect(disabled).toBe(true);
    await t.sql(`UPDATE users SET disabled_at = NULL WHERE id = $1`, [userId]);
    // districtCode null keeps its meaning: the limit is lifted.
    const lifted = await patch(userId, { districtCode: null });
    expect(lifted.statusCode).toBe(200);
    expect(lifted.json()).toMatchObject({ districtCode: null });
    expect(fieldsOf(await patch(userId, { districtCode: '999999' }))).toEqual(['districtCode']);
    const [{ id: adminId }] = await t.sql<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`);
    expect(fieldsOf(await patch(adminId, { districtCode: '330302' }))).toEqual(['districtCode']);
    expect((await patch(adminId, { disabled: true })).statusCode).toBe(409);
    expect((await patch(randomUUID(), { disabled: true })).statusCode).toBe(404);
    expect(fieldsOf(await patch('not-a-uuid', { disabled: true }))).toEqual(['id']);
    expect((await patch(userId, { disabled: true }, token)).statusCode).toBe(403);
  });

  it('refuses a well-signed token without an expiry, or for a user that does not exist', async () => {
    const secret = new TextEncoder().encode(JWT_SECRET);
    const [user] = await t.sql<Record<string, string | null>>(
      `SELECT id, username, role, department_code FROM users WHERE id = $1`,
      [userId],
    );
    const claims = { username: user.username, role: user.role, dept: user.department_code, ver: 1 };
    const forged = (subject: string, expires: boolean) => {
      const jwt = new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer('quality-credit-registry')
        .setSubject(subject)
        .setIssuedAt();
      return (expires ? jwt.setExpirationTime('10m') : jwt).sign(secret);
    };
    const version = (await t.sql<{ v: number }>(`SELECT token_version AS v FROM users WHERE id = $1`, [userId]))[0].v;
    claims.ver = version;
    expect(await districts(t, await forged(userId, true))).toBe(200); // the control: this forge is well made
    expect(await districts(t, await forged(userId, false))).toBe(401);
    expect(await districts(t, await forged(randomUUID(), true))).toBe(401);
    expect(await districts(t, await forged('admin', true))).toBe(401);
  });
});
