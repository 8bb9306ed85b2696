import type { FastifyRequest } from 'fastify';
import { makeUscc } from '../../../src/common/uscc';
import { TokenService } from '../../../src/identity/token.service';
import { sessionCookie } from '../../../src/web/session';
import { createEnterprise, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/**
 * Staff sign-in on the web pages without a browser: redirects, the session cookie's
 * attributes, `next` kept on this site, the Origin check, the 403 page, sign-out.
 */
const HOST = 'pages.test';
const SITE = { host: HOST, origin: `http://${HOST}` };
const REGULATOR = { username: 'web.regulator', password: 'regulator-pass-1', role: 'regulator', departmentCode: 'AMR' };
const REVIEWER = { username: 'web.reviewer', password: 'reviewer-pass-1', role: 'reviewer', departmentCode: 'AMR' };
const LOCKED = { username: 'web.locked', password: 'locked-pass-1', role: 'regulator', departmentCode: 'AMR' };
const ENTERPRISE_USCC = makeUscc('330302', 901);
const ENTERPRISE = {
  username: 'web.enterprise',
  password: 'enterprise-pass-1',
  role: 'enterprise',
  uscc: ENTERPRISE_USCC,
};

describe('staff sign-in on the web pages', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    const admin = await t.loginAdmin();
    await createEnterprise(t, admin, ENTERPRISE_USCC);
    for (const user of [REGULATOR, REVIEWER, LOCKED, ENTERPRISE]) await createUser(t, admin, user);
  }, 60_000);

  afterAll(() => t?.close());

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  function post(url: string, fields: Record<string, string>, headers: Record<string, string> = SITE) {
    return t.request({
      method: 'POST',
      url,
      body: form(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  const get = (url: string, cookie?: string) =>
    t.request({ method: 'GET', url, headers: { host: HOST, ...(cookie ? { cookie } : {}) } });

  /** Signs in through the form; returns the `qc_session=…` pair to send back. */
  async function signIn(user: { username: string; password: string }, next = '/stats'): Promise<string> {
    const res = await post(`/login?next=${encodeURIComponent(next)}`, user);
    expect(res.statusCode).toBe(303);
    return /^(qc_session=[^;]+);/.exec(String(res.headers['set-cookie']))![1];
  }

  it('sends an unsigned visitor of /stats to the sign-in form, which comes back there', async () => {
    const res = await get('/stats');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=/stats');
    const en = await get('/stats?lang=en');
    expect(en.headers.location).toBe('/login?next=/stats%3Flang%3Den');

    const page = await get('/login?next=/stats');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('action="/login?next=%2Fstats"');
    expect(page.body).toContain('<label for="username">用户名</label>');
    expect(page.body).toContain('<label for="password">密码</label>');
    expect(page.body).toContain('autocomplete="current-password"');
    // Not signed in: the header offers sign-in, not the statistics.
    expect(page.body).toContain('href="/login" id="nav-login"');
    expect(page.body).not.toContain('href="/stats"');
    expect((await get('/login?lang=en')).body).toContain('<label for="username">User name</label>');
  });

  it('signs a regulator in: an HttpOnly, SameSite=Strict cookie holding the API token, then the statistics', async () => {
    const res = await post('/login?next=%2Fstats', REGULATOR);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/stats');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^qc_session=[\w-]+\.[\w-]+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=900$/);
    const token = /^qc_session=([^;]+);/.exec(cookie)![1];
    await expect(t.app.get(TokenService).verify(token)).resolves.toMatchObject({
      username: REGULATOR.username,
      role: 'regulator',
    });
    // The token is the API's: it works as a bearer token too.
    const api = await t.request({ method: 'GET', url: '/api/v1/stats/overview', token });
    expect(api.statusCode).toBe(200);

    const stats = await get('/stats', `lang=zh; qc_session=${token}`);
    expect(stats.statusCode).toBe(200);
    expect(stats.body).toContain('<h1>质量信用统计</h1>');
    expect(stats.headers['cache-control']).toBe('private, no-store');
    expect(stats.body).toContain('href="/stats" id="nav-stats"');
    expect(stats.body).not.toContain('id="nav-login"');
    expect(stats.body).toContain('已登录：web.regulator');
    // Every page, signed in, shows the statistics link and is kept out of shared caches.
    const home = await get('/', `qc_session=${token}`);
    expect(home.body).toContain('href="/stats" id="nav-stats"');
    expect(home.headers['cache-control']).toBe('private, no-store');
    // A reviewer is staff too.
    expect((await get('/stats', await signIn(REVIEWER))).statusCode).toBe(200);
  });

  it('sets Secure on the cookie when the request came over https', () => {
    const over = (protocol: string) => sessionCookie({ protocol } as FastifyRequest, 'token', 900);
    expect(over('https')).toBe('qc_session=token; HttpOnly; SameSite=Strict; Path=/; Max-Age=900; Secure');
    expect(over('http')).not.toContain('Secure');
  });

  it('redirects only to a path on this site', async () => {
    const cases: [string, string][] = [
      ['//evil.example', '/console'],
      ['https://evil.example', '/console'],
      ['/\\evil.example', '/console'],
      ['/\t/evil.example', '/console'],
      ['javascript:alert(1)', '/console'],
      ['evil.example', '/console'],
      ['', '/console'],
      ['/blacklist?districtCode=330302', '/blacklist?districtCode=330302'],
    ];
    for (const [next, expected] of cases) {
      const res = await post(`/login?next=${encodeURIComponent(next)}`, REGULATOR);
      expect([next, res.statusCode, res.headers.location]).toEqual([next, 303, expected]);
    }
    // Nor does the form carry a foreign `next` into its action.
    expect((await get('/login?next=//evil.example')).body).toContain('action="/login?next=%2Fconsole"');
  });

  it('lands an enterprise or institution user on its own portal, not on a staff page it may not open', async () => {
    for (const [next, location] of [
      ['', '/portal/enterprise'],
      ['/console/blacklist?state=noticed', '/portal/enterprise'],
      ['/portal/enterprise/entries', '/portal/enterprise/entries'],
    ]) {
      const res = await post(`/login?next=${encodeURIComponent(next)}`, ENTERPRISE);
      expect([next, res.statusCode, res.headers.location]).toEqual([next, 303, location]);
    }
  });

  it('refuses a wrong password or an unknown user alike: the form again, 401, no cookie', async () => {
    const wrong = await post('/login?next=/stats', { ...REGULATOR, password: 'not-the-password' });
    const unknown = await post('/login?next=/stats', { username: 'nobody.here', password: 'whatever-1' });
    const empty = await post('/login?next=/stats', { username: REGULATOR.username, password: '' });
    for (const res of [wrong, unknown, empty]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('id="login-error" role="alert">登录失败：用户名或密码不正确。</div>');
    }
    // The name stays in the field, the password does not.
    expect(wrong.body).toContain(`value="${REGULATOR.username}"`);
    expect(wrong.body).not.toContain('not-the-password');
  });

  it('uses the API login’s lockout: after 5 failures even the right password waits', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await post('/login', { ...LOCKED, password: `wrong-${i}` })).statusCode).toBe(401);
    }
    const locked = await post('/login', LOCKED);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.headers['set-cookie']).toBeUndefined();
    expect(locked.body).toContain('登录尝试过多，请稍后再试。');
  });

  it('refuses a sign-in or sign-out posted from another site, or with neither Origin nor Referer', async () => {
    const foreign: Record<string, string>[] = [
      { host: HOST, origin: 'https://evil.example' },
      { host: HOST, origin: 'null' },
      { host: HOST, referer: 'http://evil.example/form' },
      { host: HOST },
    ];
    for (const headers of foreign) {
      const res = await post('/login', REGULATOR, headers);
      expect([headers, res.statusCode, res.headers['set-cookie']]).toEqual([headers, 403, undefined]);
      expect(res.body).toContain('该请求不是从本站页面提交的，已拒绝。');
      expect((await post('/logout', {}, headers)).statusCode).toBe(403);
    }
    // A Referer from this site is enough when there is no Origin.
    expect((await post('/login', REGULATOR, { host: HOST, referer: `http://${HOST}/login` })).statusCode).toBe(303);
  });

  it('shows an enterprise user an HTML 403 page, and a forged or broken cookie the sign-in form', async () => {
    const cookie = await signIn(ENTERPRISE);
    const res = await get('/stats', cookie);
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('统计页面仅供监管部门、审核人员和管理员使用');
    // Signed in but not staff: no statistics link, the sign-in link and sign-out.
    expect(res.body).not.toContain('id="nav-stats"');
    expect(res.body).toContain('id="nav-login"');
    expect(res.body).toContain('id="sign-out"');

    const token = (await signIn(REGULATOR)).slice('qc_session='.length);
    const [header, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = [header, Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url'), 'x'];
    for (const bad of [`qc_session=${forged.join('.')}`, 'qc_session=', 'qc_session=garbage']) {
      const page = await get('/stats', bad);
      expect([bad, page.statusCode, page.headers.location]).toEqual([bad, 303, '/login?next=/stats']);
    }
  });

  it('signs out: the cookie cleared, back to the home page', async () => {
    const cookie = await signIn(REGULATOR);
    const res = await t.request({
      method: 'POST',
      url: '/logout',
      headers: { ...SITE, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']).toBe('qc_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
  });
});
