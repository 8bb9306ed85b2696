import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, chromium, Page, Response } from 'playwright-core';
import { makeUscc } from '../../../src/common/uscc';
import { BlacklistWorld, PROPOSAL } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { createEnterprise, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/**
 * The public pages in a real browser: Debian's Chromium driven by playwright-core (installed by
 * .ci/run with the CJK font fonts-wqy-microhei). One browser for the file; every wait is on a
 * selector or a navigation, never a sleep. Screenshots land in test/artifacts/ (not committed).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '../../artifacts');
const MAX_PAGE_BYTES = 200 * 1024;
const CJK_FONT_STACK =
  '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';

/** A regulator of BlacklistWorld: staff, who may see the statistics. */
const STAFF = { username: 'amr.other', password: 'blacklist-pass-1' };
const LISTED = { uscc: makeUscc('330302', 801), name: '温州瓯江阀门有限公司', district: '330302' };
const OUHAI = { uscc: makeUscc('330304', 802), name: '瓯海明达眼镜有限公司', district: '330304' };
const NOTICED = { uscc: makeUscc('330303', 803), name: '龙湾安泰电器有限公司', district: '330303' };
const REJECTED = { uscc: makeUscc('330302', 804), name: '温州驳回鞋业有限公司', district: '330302' };
const WITHDRAWN = { uscc: makeUscc('330302', 805), name: '温州撤回锁具有限公司', district: '330302' };

/** Personal and internal data that no page may show. */
const SECRETS = {
  legalRepresentative: '欧阳修文',
  note: '内部意见：证据链完整ZN88',
  objection: '异议陈述：样品来源存疑XQ17',
  repair: '修复申请：已整改并召回RP42',
  address: '温州市鹿城区工业路1号',
};

describe('public web pages in Chromium', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  let browser: Browser;
  let page: Page;
  let base: string;
  const clock = new TestClock(new Date('2025-03-03T02:00:00Z'));
  const entries: Record<string, string> = {};

  /** Proposed and noticed now, decided and published 15 days later (past the objection deadline). */
  async function publish(uscc: string, extra: Record<string, unknown>, publishOn: string): Promise<string> {
    const id = await w.propose(uscc, extra);
    await w.expect(200, 'regulator', `/blacklist/${id}/notice`);
    clock.set(publishOn);
    await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '事实清楚' });
    await w.expect(200, 'regulator', `/blacklist/${id}/publish`);
    return id;
  }

  async function record(uscc: string, body: Record<string, unknown>): Promise<void> {
    const res = await w.call('proposer', 'POST', `/enterprises/${uscc}/records`, body);
    if (res.statusCode !== 201) throw new Error(`record: ${res.statusCode} ${res.body}`);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, []);
    const admin = await t.loginAdmin();
    for (const e of [LISTED, OUHAI, NOTICED, REJECTED, WITHDRAWN]) {
      await createEnterprise(t, admin, e.uscc, {
        name: e.name,
        districtCode: e.district,
        legalRepresentative: SECRETS.legalRepresentative,
      });
    }
    for (const e of [OUHAI, NOTICED]) {
      const user = { username: `ent.${e.uscc}`, password: 'enterprise-pass-1', role: 'enterprise', uscc: e.uscc };
      await createUser(t, admin, user);
    }
    await record(LISTED.uscc, {
      type: 'spot_check_fail',
      occurredOn: '2025-02-10',
      documentNo: '温质监抽字〔2025〕7号',
      summary: '阀门密封性能不合格',
    });
    await record(LISTED.uscc, {
      type: 'complaint_substantiated',
      occurredOn: '2025-02-12',
      documentNo: '12365-2025-0042',
      summary: '不公开的投诉内容',
      hotline: '12365',
    });
    await record(OUHAI.uscc, {
      type: 'spot_check_pass',
      occurredOn: '2025-02-11',
      documentNo: '温质监抽字〔2025〕8号',
      summary: '眼镜架抽查合格',
    });
    entries.ouhai = await publish(
      OUHAI.uscc,
      { reasonCode: 'counterfeit_products', legalBasis: '《产品质量法》第五条', facts: '生产假冒品牌眼镜架' },
      '2025-03-18T02:00:00Z',
    );
    clock.set('2026-03-02T02:00:00Z');
    entries.listed = await publish(LISTED.uscc, {}, '2026-03-17T02:00:00Z');
    // Spot checks within the statistics' last 12 months: 3 passed of 4.
    for (const [uscc, type, on] of [
      [OUHAI.uscc, 'spot_check_pass', '2026-01-05'],
      [NOTICED.uscc, 'spot_check_pass', '2026-02-03'],
      [NOTICED.uscc, 'spot_check_pass', '2026-02-24'],
      [LISTED.uscc, 'spot_check_fail', '2026-01-20'],
    ]) {
      await record(uscc, { type, occurredOn: on, documentNo: `温质监抽字〔2026〕${on}号`, summary: '监督抽查' });
    }
    // Noticed, never decided: not public anywhere.
    entries.noticed = await w.propose(NOTICED.uscc, { facts: '尚未公示的事实' });
    await w.expect(200, 'regulator', `/blacklist/${entries.noticed}/notice`);
    await w.grade(LISTED.uscc, 'D');

    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** What every page must be: small, in the CJK font stack, one h1, Chinese text drawn with a real CJK font. */
  async function checkPage(response: Response | null, name: string): Promise<void> {
    expect(response?.status()).toBe(200);
    expect((await response!.body()).length).toBeLessThan(MAX_PAGE_BYTES);
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.evaluate<string>('getComputedStyle(document.body).fontFamily')).toBe(CJK_FONT_STACK);
    // Accessible basics: a language, a skip link to the main content, every field labelled,
    // every table header cell scoped.
    expect(await page.getAttribute('html', 'lang')).toMatch(/^(zh-CN|en)$/);
    await expect(page.getAttribute('a.skip', 'href')).resolves.toBe('#main');
    expect(
      await page.evaluate<number>(
        `[...document.querySelectorAll('input, select, textarea')].filter((f) => f.labels.length === 0).length`,
      ),
    ).toBe(0);
    expect(await page.locator('th:not([scope])').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, `web-${name}.png`), fullPage: true });
  }

  /** The fonts Chromium actually drew an element's text with (DevTools protocol). */
  async function renderedFonts(selector: string): Promise<{ familyName: string; glyphCount: number }[]> {
    const cdp = await page.context().newCDPSession(page);
    try {
      await cdp.send('DOM.enable');
      await cdp.send('CSS.enable');
      const { root } = await cdp.send('DOM.getDocument');
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
      return (await cdp.send('CSS.getPlatformFontsForNode', { nodeId })).fonts;
    } finally {
      await cdp.detach();
    }
  }

  async function submit(selector = 'main button[type=submit]'): Promise<Response | null> {
    const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
    return response;
  }

  it('home page in Chinese, drawn with a real CJK font (no boxes)', async () => {
    const response = await page.goto(`${base}/`);
    await checkPage(response, 'home');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await expect(page.textContent('h1')).resolves.toBe('企业质量信用查询');
    // Every glyph of the Chinese heading comes from the installed CJK font, none from a fallback.
    const fonts = await renderedFonts('h1');
    expect(fonts.map((f) => f.familyName)).toEqual(['WenQuanYi Micro Hei']);
    expect(fonts[0].glyphCount).toBe('企业质量信用查询'.length);
    // Labelled search field.
    await expect(page.locator('label[for=q]').textContent()).resolves.toBe('企业名称或统一社会信用代码');
  });

  it('searches by a two-character fragment from the middle of a name', async () => {
    await page.fill('#q', '明达');
    const response = await submit();
    await checkPage(response, 'search-fragment');
    const rows = page.locator('#results tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().locator('th a').textContent()).resolves.toBe(OUHAI.name);
    await expect(rows.first().textContent()).resolves.toContain('在黑名单上');
  });

  it('searches by credit code, opens the enterprise page: masked name, entries, disclosed records only', async () => {
    await page.goto(`${base}/`);
    await page.fill('#q', LISTED.uscc);
    await checkPage(await submit(), 'search-code');
    await expect(page.locator('#results tbody tr').count()).resolves.toBe(1);
    const response = await Promise.all([page.waitForNavigation(), page.click(`#results a:text("${LISTED.name}")`)]);
    await checkPage(response[0], 'enterprise');
    await expect(page.textContent('h1')).resolves.toBe(LISTED.name);
    const text = (await page.textContent('main'))!;
    expect(text).toContain('欧阳**');
    expect(text).not.toContain('欧阳修文');
    expect(text).toContain('鹿城区');
    expect(text).toContain('阀门密封性能不合格');
    expect(text).not.toContain('不公开的投诉内容');
    await expect(page.locator('#entries tbody tr').count()).resolves.toBe(1);
  });

  it('opens an entry: reason, legal basis, authority, dates, expiry', async () => {
    const response = await Promise.all([page.waitForNavigation(), page.click('#entries a')]);
    await checkPage(response[0], 'entry');
    expect(page.url()).toBe(`${base}/blacklist/${entries.listed}`);
    await expect(page.textContent('#reason')).resolves.toBe('生产销售不合格产品');
    await expect(page.textContent('#legal-basis')).resolves.toBe(PROPOSAL.legalBasis);
    await expect(page.textContent('#published-at')).resolves.toBe('2026-03-17');
    await expect(page.textContent('#expires-at')).resolves.toBe('2029-03-17');
    expect((await page.textContent('#authority'))!.length).toBeGreaterThan(0);
  });

  it('an entry that is not published is a 404 page, not JSON', async () => {
    const response = await page.goto(`${base}/blacklist/${entries.noticed}`);
    expect(response?.status()).toBe(404);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    await expect(page.textContent('h1')).resolves.toBe('页面不存在');
  });

  it('lists the blacklist and filters it by district, reason and year', async () => {
    const response = await page.goto(`${base}/blacklist`);
    await checkPage(response, 'blacklist');
    const names = () => page.locator('#blacklist tbody th a').allTextContents();
    await expect(names()).resolves.toEqual([LISTED.name, OUHAI.name]);
    expect(await page.textContent('main')).not.toContain(NOTICED.name);

    await page.selectOption('#districtCode', '330304');
    await checkPage(await submit(), 'blacklist-filtered');
    expect(page.url()).toContain('districtCode=330304');
    await expect(names()).resolves.toEqual([OUHAI.name]);
    // The filter stays selected on the new page.
    await expect(page.locator('#districtCode').inputValue()).resolves.toBe('330304');

    await page.goto(`${base}/blacklist?year=2026`);
    await expect(names()).resolves.toEqual([LISTED.name]);
    await page.goto(`${base}/blacklist?reasonCode=counterfeit_products`);
    await expect(names()).resolves.toEqual([OUHAI.name]);
  });

  it('verifies a signed report: the genuine one is valid, a tampered one is not', async () => {
    await page.goto(`${base}/enterprises/${LISTED.uscc}`);
    const response = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: '签发信用报告' }).click(),
    ]);
    await checkPage(response[0], 'report');
    const number = await page.textContent('#report-no');
    const report = (await t.request({ method: 'GET', url: `/reports/${number}/jws` })).body;
    expect(report.split('.')).toHaveLength(3);

    await page.goto(`${base}/reports/verify`);
    await page.fill('#report', report);
    await checkPage(await submit('form[method=post] button'), 'verify-valid');
    await expect(page.getAttribute('#verdict', 'class')).resolves.toBe('notice good');
    await expect(page.textContent('#verified')).resolves.toContain(LISTED.name);

    // Another enterprise's name in the payload, the signature kept.
    const [header, payload, signature] = report.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.enterprise.name = OUHAI.name;
    const tampered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    await page.goto(`${base}/reports/verify`);
    await page.fill('#report', tampered);
    await checkPage(await submit('form[method=post] button'), 'verify-tampered');
    await expect(page.getAttribute('#verdict', 'class')).resolves.toBe('notice bad');
    expect(await page.textContent('main')).not.toContain('报告有效');
  });

  it('switches to English and stays there, then back to Chinese', async () => {
    await page.goto(`${base}/blacklist?districtCode=330304`);
    const response = await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
    await checkPage(response[0], 'blacklist-en');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expect(page.textContent('h1')).resolves.toBe('Product-quality blacklist');
    // The filter survives the switch; names of districts and reasons are in English.
    await expect(page.locator('#blacklist tbody td').first().textContent()).resolves.toBe('Ouhai District');
    // The cookie keeps the language on the next page.
    await page.goto(`${base}/`);
    await expect(page.textContent('h1')).resolves.toBe('Enterprise quality-credit search');
    await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
  });

  it('sends a visitor of the statistics to the staff sign-in form; the header offers sign-in', async () => {
    const response = await page.goto(`${base}/stats`);
    expect(page.url()).toBe(`${base}/login?next=/stats`);
    await checkPage(response, 'login');
    await expect(page.textContent('h1')).resolves.toBe('用户登录');
    await expect(page.locator('label[for=username]').textContent()).resolves.toBe('用户名');
    await expect(page.locator('label[for=password]').textContent()).resolves.toBe('密码');
    await expect(page.locator('#nav-login').textContent()).resolves.toBe('登录');
    await expect(page.locator('#nav-stats').count()).resolves.toBe(0);
  });

  it('a wrong password shows the form again with an error that names no field', async () => {
    await page.fill('#username', STAFF.username);
    await page.fill('#password', 'not-the-password');
    const response = await submit();
    expect(response?.status()).toBe(401);
    await expect(page.textContent('#login-error')).resolves.toBe('登录失败：用户名或密码不正确。');
    await expect(page.inputValue('#username')).resolves.toBe(STAFF.username);
    await expect(page.inputValue('#password')).resolves.toBe('');
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain('qc_session');
    await page.screenshot({ path: join(ARTIFACTS, 'web-login-failed.png'), fullPage: true });
  });

  it('signs a regulator in through the form and lands on the statistics', async () => {
    await page.fill('#password', STAFF.password);
    const response = await submit();
    expect(page.url()).toBe(`${base}/stats`);
    expect(response?.status()).toBe(200);
    const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'qc_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    // The header now offers the statistics and sign-out instead of sign-in.
    await expect(page.locator('#nav-stats').textContent()).resolves.toBe('统计');
    await expect(page.locator('#nav-login').count()).resolves.toBe(0);
    await expect(page.locator('#sign-out').textContent()).resolves.toBe('退出登录');
  });

  it('shows the statistics with server-drawn SVG bar charts and their figures as text', async () => {
    const response = await page.goto(`${base}/stats`);
    await checkPage(response, 'stats');
    await expect(page.textContent('h1')).resolves.toBe('质量信用统计');
    // Three districts have enterprises: one stacked bar per grade (and not graded) in each.
    await expect(page.locator('#chart-grades svg rect.bar').count()).resolves.toBe(3 * 5);
    await expect(page.locator('#chart-grades svg rect.bar').first().locator('title').textContent()).resolves.toBe(
      '鹿城区 · A: 0',
    );
    // Twelve months, listed and removed each.
    await expect(page.locator('#chart-flow svg rect.bar').count()).resolves.toBe(12 * 2);
    await expect(page.locator('#chart-flow svg rect.bar[data-value="1"] title').textContent()).resolves.toBe(
      '2026-03 · 列入: 1',
    );
    // The whole city and the three districts with spot checks, against the 92 % line.
    await expect(page.locator('#chart-passrate svg rect.bar').count()).resolves.toBe(4);
    await expect(page.locator('#chart-passrate svg .reference').count()).resolves.toBe(1);
    await expect(page.textContent('#passrate-overall')).resolves.toContain('合格率 75.0%（3 / 4 批次）');
    await expect(page.textContent('#passrate-overall')).resolves.toContain('未达到目标');
    // Every chart is an image with a name; axis labels are text.
    for (const chart of await page.locator('svg.chart').all()) {
      expect(await chart.getAttribute('role')).toBe('img');
      expect((await chart.getAttribute('aria-label'))!.length).toBeGreaterThan(0);
    }
    await expect(page.locator('#chart-grades svg').textContent()).resolves.toContain('企业数');
  });

  it('shows an enterprise user who signs in a 403 page, not the statistics', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
    try {
      const other = await context.newPage();
      await other.goto(`${base}/login?next=/stats`);
      await other.fill('#username', `ent.${OUHAI.uscc}`);
      await other.fill('#password', 'enterprise-pass-1');
      const [response] = await Promise.all([other.waitForNavigation(), other.click('main button[type=submit]')]);
      expect(other.url()).toBe(`${base}/stats`);
      expect(response?.status()).toBe(403);
      expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
      await expect(other.textContent('h1')).resolves.toBe('无权访问');
      expect(await other.locator('svg.chart').count()).toBe(0);
      await expect(other.locator('#nav-stats').count()).resolves.toBe(0);
      await other.screenshot({ path: join(ARTIFACTS, 'web-stats-forbidden.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('never shows an entry that is not published, nor personal or internal data, on any page', async () => {
    // A rejected proposal, a withdrawn one, an objection, and a listing removed on credit repair.
    entries.withdrawn = await w.propose(WITHDRAWN.uscc, { facts: '撤回的事实' });
    await w.expect(200, 'proposer', `/blacklist/${entries.withdrawn}/withdrawal`, { note: SECRETS.note });
    entries.rejected = await w.propose(REJECTED.uscc, { facts: '驳回的事实' });
    await w.expect(200, 'regulator', `/blacklist/${entries.rejected}/notice`, { note: SECRETS.note });
    await w.expect(201, `enterprise:${NOTICED.uscc}`, `/blacklist/${entries.noticed}/objections`, {
      statement: SECRETS.objection,
    });
    clock.set('2026-04-02T02:00:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${entries.rejected}/decision`, {
      outcome: 'rejected',
      note: SECRETS.note,
    });
    const application = await w.expect(
      201,
      `enterprise:${OUHAI.uscc}`,
      `/blacklist/${entries.ouhai}/repair-applications`,
      { statement: SECRETS.repair, evidence: '整改报告' },
    );
    await w.expect(200, 'reviewer', `/blacklist/${entries.ouhai}/repair-applications/${application.id}/decision`, {
      outcome: 'granted',
      note: SECRETS.note,
    });

    const hidden = [entries.noticed, entries.rejected, entries.withdrawn, entries.ouhai];
    const urls = [
      '/',
      '/blacklist',
      '/blacklist?districtCode=330302',
      '/blacklist?year=2025',
      '/stats',
      '/reports/verify',
      ...[LISTED, OUHAI, NOTICED, REJECTED, WITHDRAWN].flatMap((e) => [
        `/enterprises/${e.uscc}`,
        `/search?q=${encodeURIComponent(e.name.slice(2, 4))}`,
        `/search?q=${e.uscc}`,
      ]),
      ...[entries.listed, ...hidden].map((id) => `/blacklist/${id}`),
    ];
    const pages = new Map<string, string>();
    // The statistics are for staff: that page is fetched signed in as a regulator.
    const staff = `qc_session=${await w.token('regulator')}`;
    for (const url of urls) {
      const headers = url === '/stats' ? { cookie: staff } : {};
      const res = await t.request({ method: 'GET', url, headers, remoteAddress: '10.9.9.9' });
      expect([url, res.statusCode]).toEqual([url, hidden.some((id) => url === `/blacklist/${id}`) ? 404 : 200]);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      pages.set(url, res.body);
    }
    for (const [url, html] of pages) {
      for (const secret of [
        ...Object.values(SECRETS),
        '修文',
        'amr.proposer',
        'amr.reviewer',
        '撤回的事实',
        '驳回的事实',
      ]) {
        if (html.includes(secret)) throw new Error(`${url} shows "${secret}"`);
      }
    }
    // The list names the one listing left; the others' pages say they are not listed.
    const list = pages.get('/blacklist')!;
    expect(list).toContain(LISTED.name);
    for (const e of [OUHAI, NOTICED, REJECTED, WITHDRAWN]) {
      expect([e.name, list.includes(e.name)]).toEqual([e.name, false]);
      expect(pages.get(`/enterprises/${e.uscc}`)).toContain('该企业目前不在质量黑名单上。');
      expect(pages.get(`/search?q=${e.uscc}`)).not.toContain('在黑名单上');
    }
  });

  it('is usable at phone width: nothing wider than the screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await phone.context().addCookies([{ name: 'qc_session', value: await w.token('regulator'), url: base }]);
    try {
      const paths = [
        '/',
        `/enterprises/${LISTED.uscc}`,
        '/blacklist',
        `/blacklist/${entries.listed}`,
        '/stats',
        '/login',
      ];
      for (const path of paths) {
        await phone.goto(`${base}${path}`);
        expect(phone.url()).toBe(`${base}${path}`);
        const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect({ path, overflow }).toEqual({ path, overflow: 0 });
      }
      await phone.goto(`${base}/blacklist`);
      await phone.screenshot({ path: join(ARTIFACTS, 'web-blacklist-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
