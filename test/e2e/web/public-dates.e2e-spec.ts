import { parse } from 'csv-parse/sync';
import { Page } from 'playwright-core';
import { makeUscc } from '../../../src/common/uscc';
import { BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { ConsoleBrowser, DESKTOP, PHONE, text } from '../../helpers/console';
import { createEnterprise } from '../../helpers/fixtures';
import { checkPublicPage } from '../../helpers/public-pages';
import { TestApp } from '../../helpers/test-app';

const LISTED = { uscc: makeUscc('330302', 901), name: '温州午夜阀门有限公司', district: '330302' };

/**
 * One rule for the dates people read: Beijing calendar dates, and a listing's end date is its
 * last day. An entry published at 01:30 in Beijing (the day before in UTC) for 36 months expires
 * at Beijing midnight, 16:00Z: exactly where a UTC date or the date of the expiry instant is one
 * day off. The entry page, the list, the enterprise page, Atom, CSV and JSON all say the same.
 */
describe('public dates: the same end date everywhere', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  let web: ConsoleBrowser;
  let page: Page;
  let id: string;
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z'));

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, []);
    const admin = await t.loginAdmin();
    await createEnterprise(t, admin, LISTED.uscc, { name: LISTED.name, districtCode: LISTED.district });
    id = await w.propose(LISTED.uscc, { periodMonths: 36 });
    await w.expect(200, 'regulator', `/blacklist/${id}/notice`);
    // 2026-03-18 01:30 in Beijing, still the 17th in UTC.
    clock.set('2026-03-17T17:30:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '事实清楚' });
    await w.expect(200, 'regulator', `/blacklist/${id}/publish`);
    web = await ConsoleBrowser.start(t);
    const context = await web.browser.newContext({ viewport: DESKTOP, baseURL: web.base, locale: 'zh-CN' });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    await t?.close();
  });

  /** How many lines the element's text is drawn on (1: the date did not wrap). */
  const lines = (selector: string) =>
    page.evaluate<number>(`(() => {
      const range = document.createRange();
      range.selectNodeContents(document.querySelector(${JSON.stringify(selector)}).lastChild);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    })()`);

  it('stores an expiry at Beijing midnight', async () => {
    const [row] = await t.sql<{ published_at: Date; expires_at: Date }>(
      `SELECT published_at, expires_at FROM blacklist_entries WHERE id = $1`,
      [id],
    );
    expect(row.published_at.toISOString()).toBe('2026-03-17T17:30:00.000Z');
    expect(row.expires_at.toISOString()).toBe('2029-03-18T16:00:00.000Z');
  });

  it('shows 2029-03-18 as the last day on the entry page, in Chinese and English', async () => {
    const response = await page.goto(`/blacklist/${id}?lang=zh`);
    await checkPublicPage(page, response, 'entry-dates');
    await expect(text(page, '#published-at')).resolves.toBe('2026-03-18');
    await expect(text(page, '#expires-at')).resolves.toBe('2029-03-18');
    await expect(page.locator('dt', { hasText: '列入期限至' }).count()).resolves.toBe(1);
    await page.goto(`/blacklist/${id}?lang=en`);
    await expect(page.locator('dt', { hasText: 'Listed until' }).count()).resolves.toBe(1);
    await expect(text(page, '#expires-at')).resolves.toBe('2029-03-18');
    await page.goto(`/blacklist/${id}?lang=zh`);
  });

  it('shows the same dates in the list and on the enterprise page, each on one line at phone width', async () => {
    const response = await page.goto('/blacklist');
    await checkPublicPage(page, response, 'blacklist-dates');
    const row = page.locator('#blacklist tbody tr', { hasText: LISTED.name });
    await expect(row.locator('td[data-label="发布日期"]').textContent()).resolves.toBe('2026-03-18');
    await expect(row.locator('td[data-label="列入期限至"]').textContent()).resolves.toBe('2029-03-18');
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      await expect(lines('#blacklist td.date:last-child')).resolves.toBe(1);
    }
    await page.setViewportSize(DESKTOP);
    await expect(
      page.evaluate<string>(`getComputedStyle(document.querySelector('#blacklist td.date')).whiteSpace`),
    ).resolves.toBe('nowrap');

    await checkPublicPage(page, await page.goto(`/enterprises/${LISTED.uscc}`), 'enterprise-dates');
    await expect(page.locator('#entries td.date').allTextContents()).resolves.toEqual(['2026-03-18', '2029-03-18']);
  });

  it('says the same in Atom, CSV and JSON', async () => {
    const atom = await (await page.request.get('/api/v1/public/blacklist.atom')).text();
    expect(atom).toContain(`<summary>${LISTED.name}（统一社会信用代码 ${LISTED.uscc}）因“生产销售不合格产品”`);
    expect(atom).toContain('于2026-03-18列入产品质量黑名单，列入期限至2029-03-18。</summary>');
    expect(atom).toContain('<title>温州市企业质量信用信息公示平台：产品质量黑名单列入与移出</title>');

    const csv = await (await page.request.get('/api/v1/public/blacklist.csv')).body();
    const rows: string[][] = parse(csv.subarray(3));
    const header = rows[0];
    const entry = rows.find((r) => r[0] === id)!;
    expect(entry[header.indexOf('列入日期/publishedOn')]).toBe('2026-03-18');
    expect(entry[header.indexOf('列入期限至/listedUntil')]).toBe('2029-03-18');

    const json: Record<string, unknown>[] = await (await page.request.get('/api/v1/public/blacklist.json')).json();
    expect(json.find((e) => e.id === id)).toMatchObject({
      publishedAt: '2026-03-17T17:30:00.000Z',
      expiresAt: '2029-03-18T16:00:00.000Z',
      publishedOn: '2026-03-18',
      listedUntil: '2029-03-18',
    });
    const enterprise = await (await page.request.get(`/api/v1/public/enterprises/${LISTED.uscc}`)).json();
    expect(enterprise.activeBlacklistEntries[0]).toMatchObject({
      publishedOn: '2026-03-18',
      listedUntil: '2029-03-18',
    });
  });
});
