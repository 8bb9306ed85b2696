import { Page } from 'playwright-core';
import { CORRECTIONS_PER_HOUR } from '../../../src/web/corrections.controller';
import { TestClock } from '../../helpers/clock';
import { checkConsolePage, ConsoleBrowser, DESKTOP, open, submit, text } from '../../helpers/console';
import { checkPublicPage } from '../../helpers/public-pages';
import { ADMIN, TestApp } from '../../helpers/test-app';

const CONTACT = '13857712345';
const DESCRIPTION = '该企业已于2026年6月迁至瓯海区，页面仍显示为鹿城区，请核实更正。';

/** 信息纠错: a citizen reports an error from the footer; staff answer it in the console. */
describe('corrections (信息纠错)', () => {
  const clock = new TestClock(new Date('2026-11-02T02:00:00Z'));
  let t: TestApp;
  let b: ConsoleBrowser;
  let citizen: Page;

  beforeAll(async () => {
    t = await TestApp.start(__filename, { SITE_ICP: '浙ICP备12345678号-1', SITE_GOV_ID: '3303000001' }, { clock });
    b = await ConsoleBrowser.start(t);
    citizen = await (await b.browser.newContext({ viewport: DESKTOP, baseURL: b.base, locale: 'zh-CN' })).newPage();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('every public page says whose site it is, with the filing numbers that are set', async () => {
    const response = await citizen.goto('/');
    expect(await citizen.title()).toContain('温州市企业质量信用信息公示平台');
    expect(await text(citizen, 'header .brand')).toBe('温州市企业质量信用信息公示平台');
    expect(await text(citizen, '#site-owner')).toContain('主办单位：温州市市场监督管理局');
    expect(await text(citizen, '#site-owner')).toContain('12315');
    const filings = await text(citizen, '#site-filings');
    expect(filings).toContain('浙ICP备12345678号-1');
    expect(filings).toContain('政府网站标识码：3303000001');
    // SITE_PSB is not set: nothing stands in for it.
    expect(filings).not.toContain('公网安备');
    await checkPublicPage(citizen, response, 'home-footer');
  });

  it('files a correction from the footer: errors beside the fields, then a number and nothing typed shown back', async () => {
    await citizen.goto('/');
    await Promise.all([citizen.waitForURL('**/corrections/new'), citizen.click('#report-error')]);
    await checkPublicPage(citizen, await citizen.reload(), 'correction-form');

    let response = await submit(citizen, '提交纠错');
    expect(response.status()).toBe(400);
    expect(await text(citizen, '#form-error')).toContain('需要修改');
    expect(await text(citizen, '#kind-error')).not.toBe('');
    expect(await text(citizen, '#description-error')).not.toBe('');
    expect(await t.sql('SELECT 1 FROM correction_requests')).toHaveLength(0);

    await citizen.selectOption('#kind', 'enterprise');
    await citizen.fill('#subject', '温州市鹿城区仰义阀门厂');
    await citizen.fill('#description', DESCRIPTION);
    await citizen.fill('#contact', CONTACT);
    response = await submit(citizen, '提交纠错', (url) => url.pathname === '/corrections/filed');
    expect(response.status()).toBe(303);
    expect(await text(citizen, '#correction-no')).toMatch(/^JC-2026-\d{6}$/);
    const page = await citizen.content();
    expect(page).not.toContain(CONTACT);
    expect(page).not.toContain(DESCRIPTION);
    await checkPublicPage(citizen, await citizen.reload(), 'correction-filed');
    const [row] = await t.sql<{ contact: string; status: string }>('SELECT contact, status FROM correction_requests');
    expect(row).toEqual({ contact: CONTACT, status: 'open' });
  });

  it(`refuses more than ${CORRECTIONS_PER_HOUR} an hour from one address with a page that says so, saving nothing`, async () => {
    const form = (n: number) =>
      new URLSearchParams({
        kind: 'other',
        subject: `页面 ${n}`,
        description: `第 ${n} 条纠错的内容，足够十个字。`,
      }).toString();
    const post = (n: number) =>
      t.request({
        method: 'POST',
        url: '/corrections',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        body: form(n),
        remoteAddress: '198.51.100.7',
      });
    for (let n = 1; n <= CORRECTIONS_PER_HOUR; n++) expect((await post(n)).statusCode).toBe(303);
    const refused = await post(99);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('text/html');
    expect(refused.body).toContain(`每小时最多提交 ${CORRECTIONS_PER_HOUR} 条纠错`);
    expect(await t.sql(`SELECT 1 FROM correction_requests WHERE subject = '页面 99'`)).toHaveLength(0);
  });

  it("refuses a post from another site's page (or with no origin at all), saving nothing", async () => {
    for (const origin of ['https://evil.example', undefined]) {
      const res = await t.request({
        method: 'POST',
        url: '/corrections',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
        body: new URLSearchParams({ kind: 'other', subject: '跨站', description: '来自其他网站的纠错提交' }).toString(),
        remoteAddress: '198.51.100.8',
      });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('该请求不是从本站页面提交的');
    }
    expect(await t.sql(`SELECT 1 FROM correction_requests WHERE subject = '跨站'`)).toHaveLength(0);
  });

  it('staff see the request with its contact and answer it; the answer is audited and cannot be given twice', async () => {
    const admin = await b.signIn(ADMIN.username, ADMIN.password);
    const response = await open(admin, '/console/corrections?status=open');
    expect(await text(admin, 'nav a[href="/console/corrections"]')).toContain('信息纠错');
    const first = admin.locator('#corrections tbody tr', { hasText: '温州市鹿城区仰义阀门厂' });
    await expect(first.count()).resolves.toBe(1);
    await checkConsolePage(admin, response, 'corrections');

    await Promise.all([admin.waitForURL(/\/console\/corrections\/\d+$/), first.locator('a').click()]);
    expect(await text(admin, '#correction')).toContain(CONTACT);
    expect(await text(admin, '#correction-status')).toBe('待处理');
    let answered = await submit(admin, '提交答复');
    expect(answered.status()).toBe(400);
    expect(await text(admin, '#e-outcome')).not.toBe('');

    await admin.selectOption('#f-outcome', 'accepted');
    await admin.fill('#f-answer', '经核实，已将所属区县更正为瓯海区。');
    answered = await submit(admin, '提交答复', (url) => url.searchParams.get('done') === 'answered');
    expect(answered.status()).toBe(303);
    expect(await text(admin, '#correction-status')).toBe('已采纳');
    expect(await text(admin, '#correction-answer')).toBe('经核实，已将所属区县更正为瓯海区。');
    await checkConsolePage(admin, (await admin.reload())!, 'correction');
    const audit = await t.sql<{ actor_name: string }>(
      `SELECT actor_name FROM audit_events WHERE action = 'correction.accepted'`,
    );
    expect(audit).toEqual([{ actor_name: ADMIN.username }]);

    const id = new URL(admin.url()).pathname.split('/').pop();
    const again = await admin.request.post(`/console/corrections/${id}/answer`, {
      form: { outcome: 'rejected', answer: '再次答复' },
      headers: { origin: b.base },
    });
    expect(again.status()).toBe(409);
    expect(await again.text()).toContain('该纠错申请已经处理过');
  });
});
