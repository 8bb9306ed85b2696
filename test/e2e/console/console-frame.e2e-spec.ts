import { Page } from 'playwright-core';
import { adminAndRegulator } from '../../helpers/fixtures';
import { checkConsolePage, ConsoleBrowser, open } from '../../helpers/console';
import { ADMIN, TestApp } from '../../helpers/test-app';

/** The console's frame: signing in lands on 待办, the navigation fits the role, pages refuse other roles as pages. */
describe('console frame', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let tokens: { admin: string; regulator: string };

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    tokens = await adminAndRegulator(t, { username: 'frame.regulator', password: 'frame-password-1' });
    b = await ConsoleBrowser.start(t);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('signs an admin in to 待办, with the admin links and htmx served from this site', async () => {
    const page: Page = await b.signIn(ADMIN.username, ADMIN.password);
    expect(await page.locator('h1').textContent()).toBe('待办');
    const links = await page.locator('nav a').allTextContents();
    expect(links.map((l) => l.trim())).toEqual(
      expect.arrayContaining(['待办', '企业档案', '黑名单', '分类标准', '系统管理', '审计日志', '任务队列']),
    );
    expect(links.join()).not.toContain('信用记录');
    expect(await page.evaluate('typeof window.htmx')).toBe('object');
    const response = await open(page, '/console');
    await checkConsolePage(page, response, 'frame');
  });

  it('serves the site icon the layouts link, and answers /favicon.ico with it', async () => {
    const icon = await t.request({ method: 'GET', url: '/assets/favicon.svg' });
    expect([icon.statusCode, icon.headers['content-type']]).toEqual([200, 'image/svg+xml']);
    const ico = await t.request({ method: 'GET', url: '/favicon.ico' });
    expect([ico.statusCode, ico.headers.location]).toEqual([301, '/assets/favicon.svg']);
    for (const url of ['/login', '/']) {
      expect((await t.request({ method: 'GET', url })).body).toContain(
        '<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">',
      );
    }
    const signedIn = await t.request({
      method: 'GET',
      url: '/console',
      headers: { cookie: `qc_session=${tokens.admin}` },
    });
    expect(signedIn.body).toContain('<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">');
  });

  it('sends a visitor without a session to the sign-in form and back', async () => {
    const res = await t.request({ method: 'GET', url: '/console?q=1' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=/console%3Fq%3D1');
  });

  it('answers an unknown or malformed console address with the console’s 404 page', async () => {
    for (const url of ['/console/nonexistent', '/console/imports/1', '/console/enterprises/x/y/z']) {
      const res = await t.request({ method: 'GET', url, headers: { cookie: `qc_session=${tokens.admin}` } });
      expect([url, res.statusCode, res.headers['content-type']]).toEqual([url, 404, 'text/html; charset=utf-8']);
      expect(res.body).toContain('<h1>未找到</h1>');
    }
    expect((await t.request({ method: 'GET', url: '/console/nonexistent' })).statusCode).toBe(303);
  });

  it('refuses the queues board to a regulator and shows it to an admin', async () => {
    const { regulator, admin } = tokens;
    const refused = await t.request({
      method: 'GET',
      url: '/console/queues',
      headers: { cookie: `qc_session=${regulator}` },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('仅供管理员');
    // However the address is spelled: the router decodes `%73` to `s` and the guard sees the route.
    for (const url of ['/console/queue%73/api/queues', '/console/%71ueues', '/console/queues/api/queues']) {
      expect((await t.request({ method: 'GET', url })).statusCode).toBe(303);
    }
    for (const url of ['/console/queue%73/api/queues/imports/pause', '/console/%71ueues/api/queues/imports/pause']) {
      expect((await t.request({ method: 'PUT', url })).statusCode).toBe(403);
      const signedIn = await t.request({ method: 'PUT', url, headers: { cookie: `qc_session=${regulator}` } });
      expect(signedIn.statusCode).toBe(403);
    }
    const shown = await t.request({
      method: 'GET',
      url: '/console/queues',
      headers: { cookie: `qc_session=${admin}` },
    });
    expect(shown.statusCode).toBe(200);
    const api = await t.request({
      method: 'GET',
      url: '/console/queues/api/queues',
      headers: { cookie: `qc_session=${admin}` },
    });
    expect(
      api
        .json()
        .queues.map((q: { name: string }) => q.name)
        .sort(),
    ).toEqual(['classification', 'exports', 'imports', 'maintenance', 'recomputes', 'screenings', 'webhooks']);
  });
});
