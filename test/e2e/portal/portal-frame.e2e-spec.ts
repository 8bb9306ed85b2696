import { makeUscc } from '../../../src/common/uscc';
import { ConsoleBrowser } from '../../helpers/console';
import { createEnterprise, createKey, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/**
 * The portals' frame: an enterprise or institution user who signs in lands on its own portal,
 * with its own navigation; the staff console and the other portal refuse it as pages; an
 * unknown portal address is the portal's 404 page.
 */
const USCC = makeUscc('330302', 911);
const ENTERPRISE = { username: 'frame.enterprise', password: 'frame-enterprise-1', role: 'enterprise', uscc: USCC };
const INSTITUTION = { username: 'frame.bank', password: 'frame-bank-pass-1', role: 'institution' };

describe('portal frame', () => {
  let t: TestApp;
  let b: ConsoleBrowser;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    const admin = await t.loginAdmin();
    await createEnterprise(t, admin, USCC);
    const { institutionId } = await createKey(t, admin, ['status:read']);
    await createUser(t, admin, ENTERPRISE);
    await createUser(t, admin, { ...INSTITUTION, institutionId });
    b = await ConsoleBrowser.start(t);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it.each([
    [
      ENTERPRISE,
      '/portal/enterprise',
      '企业信用自助服务',
      ['信用概况', '信用记录', '黑名单事项', '谁查询了我', '信用报告'],
      '/portal/institution',
    ],
    [
      INSTITUTION,
      '/portal/institution',
      '机构信用服务',
      ['信用查询', '批量筛查', '关注名单', '查询记录', 'API 密钥', '事件推送'],
      '/portal/enterprise',
    ],
  ])(
    'lands %s on its portal, with its navigation, and refuses it the console and the other portal',
    async (user, home, frame, nav, other) => {
      const page = await b.signIn(user.username, user.password);
      expect(new URL(page.url()).pathname).toBe(home);
      // The portal's frame, on its 404 page (an address no portal page has).
      const missing = await page.goto(`${home}/no-such-page`);
      expect(missing?.status()).toBe(404);
      expect(await page.locator('h1').textContent()).toBe('未找到');
      // Worded for the organisation, not for staff's jurisdiction.
      expect(await page.locator('#problem').textContent()).toBe('要找的内容不存在，或不属于贵单位。');
      expect((await page.locator('a.brand').textContent())?.trim()).toBe(frame);
      expect(await page.locator('a.brand').getAttribute('href')).toBe(home);
      expect((await page.locator('nav a').allTextContents()).map((l) => l.trim())).toEqual(nav);
      expect(await page.title()).toContain(frame);

      for (const refused of ['/console', '/console/blacklist', `${other}/anything`]) {
        const response = await page.goto(refused);
        expect([refused, response?.status()]).toEqual([refused, 403]);
        expect(await page.locator('h1').textContent()).toBe('无权访问');
        // The way back to the person's own portal.
        expect(await page.locator('#go-home').getAttribute('href')).toBe(home);
        expect((await page.locator('#go-home').textContent())?.trim()).toBe(`返回${frame}`);
      }
      await page.context().close();
    },
  );

  it('sends a visitor without a session to the sign-in form and back to the portal page', async () => {
    const res = await t.request({ method: 'GET', url: '/portal/enterprise/entries' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=/portal/enterprise/entries');
  });
});
