import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { ARTIFACTS, ConsoleBrowser, DESKTOP } from '../../helpers/console';
import { CODES } from '../../helpers/fixtures';
import { checkPublicPage } from '../../helpers/public-pages';
import { REPORTS_PER_HOUR } from '../../../src/disclosure/reports/report-issue-limit';
import { TestApp } from '../../helpers/test-app';

const NAME = '温州市鹿城阀门有限公司';

/**
 * The credit report a person can use, in Chromium: issued by the enterprise page's button (never
 * by a GET or HEAD), read on its own page with a QR code and a print layout for A4, downloaded
 * as its signed file, and checked by its number.
 */
describe('public: the credit report pages in Chromium', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  let browser: Browser;
  let page: Page;
  let base: string;
  let number: string;
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z'));
  const uscc = CODES.wenzhouLike;

  const issuedCount = async () => (await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM issued_reports`))[0].n;

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, [uscc]);
    for (const [type, documentNo, summary] of [
      ['spot_check_pass', '温市监抽字〔2026〕3号', '阀门抽查合格'],
      ['spot_check_fail', '温市监抽字〔2026〕7号', '阀门密封性能不合格'],
    ]) {
      await w.expect(201, 'proposer', `/enterprises/${uscc}/records`, {
        type,
        occurredOn: type === 'spot_check_fail' ? '2026-02-10' : '2026-01-05',
        documentNo,
        summary,
        disclosed: true,
      });
    }
    const id = await w.propose(uscc);
    await w.expect(200, 'proposer', `/blacklist/${id}/notice`);
    clock.set('2026-03-17T01:00:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '事实清楚' });
    await w.expect(200, 'regulator', `/blacklist/${id}/publish`);
    await w.grade(uscc, 'D');
    clock.set('2026-03-18T02:00:00Z');

    ({ browser, base } = await ConsoleBrowser.start(t));
    page = await browser.newPage({ viewport: DESKTOP });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a HEAD and two GETs of the enterprise page and of the old report address issue no report', async () => {
    const before = await issuedCount();
    for (const url of [`/enterprises/${uscc}`, `/enterprises/${uscc}/report`]) {
      for (const method of ['HEAD', 'GET', 'GET'] as const) {
        const res = await t.request({ method, url });
        expect([method, url, res.statusCode]).toEqual([method, url, url.endsWith('/report') ? 303 : 200]);
        if (url.endsWith('/report')) expect(res.headers.location).toBe(`/enterprises/${uscc}`);
      }
    }
    // A post from another site (or with no Origin nor Referer) is refused: nothing issued.
    for (const headers of [{ origin: 'https://evil.example' }, {}]) {
      const res = await t.request({ method: 'POST', url: `/enterprises/${uscc}/reports`, headers });
      expect(res.statusCode).toBe(403);
    }
    expect(await issuedCount()).toBe(before);
  });

  it('issues a report with the button and shows it readably, with a QR code that opens its verification', async () => {
    const response = await page.goto(`${base}/enterprises/${uscc}`);
    await checkPublicPage(page, response, 'enterprise-report-button');
    const before = await issuedCount();
    const [issued] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: '签发信用报告' }).click(),
    ]);
    expect(await issuedCount()).toBe(before + 1);
    expect(page.url()).toMatch(new RegExp(`^${base}/reports/QCR-2026-\\d{6}$`));
    await checkPublicPage(page, issued, 'report');
    number = (await page.textContent('#report-no'))!;
    expect(page.url()).toBe(`${base}/reports/${number}`);

    await expect(page.textContent('h1')).resolves.toBe('企业质量信用报告');
    await expect(page.textContent('#report-issuer')).resolves.toBe('温州市企业质量信用信息公示平台');
    await expect(page.textContent('#report-issued')).resolves.toBe('2026-03-18 10:00');
    await expect(page.textContent('#report-enterprise-name')).resolves.toBe(NAME);
    await expect(page.textContent('#report-enterprise')).resolves.toContain(uscc);
    await expect(page.textContent('#report-enterprise')).resolves.toContain('鹿城区');
    await expect(page.textContent('#report-grade')).resolves.toBe(
      'D 失信 质量失信：有严重的质量违法失信行为，或评价得分很低。',
    );
    await expect(page.textContent('#report-graded')).resolves.toBe('评定日期 2026-03-17 · 分类标准第 1 版');
    const entry = (await page.locator('#report-entries tbody tr').allInnerTexts()).join('\n');
    expect(entry).toContain('2026-03-17'); // published
    expect(entry).toContain('2029-03-17'); // the last day listed
    await expect(page.textContent('#report-records-count')).resolves.toBe(
      '共 2 条（监督抽查不合格 1、监督抽查合格 1）。',
    );
    const records = await page.locator('#report-records tbody tr').allInnerTexts();
    expect(records).toHaveLength(2);
    expect(records[0]).toContain('温市监抽字〔2026〕7号');
    expect(records[0]).toContain('阀门密封性能不合格');
    expect(records[1]).toContain('2026-01-05');
    await expect(page.textContent('#report-scope')).resolves.toContain('不含任何个人信息');

    // The QR code encodes the verification address shown under it (no PUBLIC_URL: this host).
    const verifyUrl = `${base}/reports/verify?no=${number}`;
    await expect(page.textContent('#verify-url')).resolves.toBe(verifyUrl);
    await expect(page.getAttribute('#verify-url', 'href')).resolves.toBe(verifyUrl);
    const svg = await page.locator('svg.qr').evaluate((e) => e.outerHTML);
    const expected = await QRCode.toString(verifyUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    // The same modules as the encoder draws for that address (the drawing's paths, as serialised).
    const paths = (markup: string) => [...markup.matchAll(/ d="([^"]+)"/g)].map((m) => m[1]);
    expect(paths(svg)).toHaveLength(2);
    expect(paths(svg)).toEqual(paths(expected));
    expect(await page.locator('svg.qr').boundingBox()).toMatchObject({ width: expect.any(Number) });

    // The signed file, from the download link.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-jws')]);
    expect(download.suggestedFilename()).toBe(`信用报告-${number}.jws`);
    const api = await t.request({ method: 'GET', url: `/api/v1/public/reports/${number}` });
    const jws = api.json().report as string;
    expect(readFileSync((await download.path())!, 'utf8')).toBe(jws);
  });

  it('prints on A4 without the site navigation, the footer or the page links', async () => {
    await page.goto(`${base}/reports/${number}`);
    await page.emulateMedia({ media: 'print' });
    try {
      expect(await page.locator('body > header').isVisible()).toBe(false);
      expect(await page.locator('nav').isVisible()).toBe(false);
      expect(await page.locator('footer').isVisible()).toBe(false);
      expect(await page.locator('#download-jws').isVisible()).toBe(false);
      expect(await page.locator('#report-title').isVisible()).toBe(true);
      expect(await page.locator('svg.qr').isVisible()).toBe(true);
      expect(await page.evaluate<string>('getComputedStyle(document.querySelector("h1")).color')).toBe('rgb(0, 0, 0)');
      await page.screenshot({ path: join(ARTIFACTS, 'public-report-print.png'), fullPage: true });
      const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
      const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
      expect(pages.length).toBeGreaterThanOrEqual(1);
      expect(pages.length).toBeLessThanOrEqual(2);
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  it('verifies by number from the QR address: valid, with the content; an unknown number is said so', async () => {
    await page.goto(`${base}/reports/${number}`);
    const [verified] = await Promise.all([page.waitForNavigation(), page.click('#verify-url')]);
    await checkPublicPage(page, verified, 'verify-number');
    await expect(page.getAttribute('#verdict', 'class')).resolves.toBe('notice good');
    await expect(page.textContent('#verdict')).resolves.toContain(`编号 ${number} 的报告由本站签发，签名核验通过`);
    await expect(page.textContent('#verified')).resolves.toContain(NAME);
    await expect(page.textContent('#report-grade')).resolves.toContain('D 失信');
    await expect(page.inputValue('#no')).resolves.toBe(number);

    await page.fill('#no', 'QCR-2026-999999');
    const [unknown] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: '验证' }).first().click(),
    ]);
    await checkPublicPage(page, unknown, 'verify-unknown');
    await expect(page.textContent('#verdict')).resolves.toBe(
      '本站没有签发过编号为 QCR-2026-999999 的报告。请核对编号。',
    );
    expect(await page.locator('#verified').count()).toBe(0);

    await page.goto(`${base}/reports/verify?no=${encodeURIComponent('<b>x</b>')}`);
    await expect(page.textContent('#verdict')).resolves.toContain('“<B>X</B>”不是报告编号');
    // Typed from paper in lower case or with full-width letters, it is the same number.
    const typed = ` ${number.toLowerCase().replace('qcr', 'ｑｃｒ')} `;
    await page.goto(`${base}/reports/verify?no=${encodeURIComponent(typed)}`);
    await expect(page.getAttribute('#verdict', 'class')).resolves.toBe('notice good');
    await expect(page.inputValue('#no')).resolves.toBe(number);

    // The pasted JWS still verifies, and shows the same content.
    const jws = (await t.request({ method: 'GET', url: `/api/v1/public/reports/${number}` })).json().report;
    await page.goto(`${base}/reports/verify`);
    await page.fill('#report', jws);
    const [pasted] = await Promise.all([page.waitForNavigation(), page.click('form[method=post] button')]);
    await checkPublicPage(page, pasted, 'verify-jws');
    await expect(page.getAttribute('#verdict', 'class')).resolves.toBe('notice good');
    await expect(page.textContent('#report-enterprise-name')).resolves.toBe(NAME);
  });

  it('reads in English, and answers the 404 page for a number never issued', async () => {
    const en = await page.goto(`${base}/reports/${number}?lang=en`);
    await checkPublicPage(page, en, 'report-en');
    await expect(page.textContent('h1')).resolves.toBe('Enterprise quality-credit report');
    await expect(page.textContent('#report-grade')).resolves.toContain('D untrustworthy');
    await page.goto(`${base}/reports/${number}?lang=zh`);

    const before = await issuedCount();
    for (const url of ['/reports/QCR-2026-999999', '/reports/nonsense', '/reports/QCR-2026-999999/jws']) {
      const res = await t.request({ method: 'GET', url });
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    }
    expect(await issuedCount()).toBe(before);
  });

  it(`answers a page saying to try later past ${REPORTS_PER_HOUR} reports an hour from one address`, async () => {
    const post = () =>
      t.request({
        method: 'POST',
        url: `/enterprises/${uscc}/reports`,
        headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
        remoteAddress: '198.51.100.11',
      });
    for (let n = 0; n < REPORTS_PER_HOUR; n++) expect((await post()).statusCode).toBe(303);
    const before = await issuedCount();
    const refused = await post();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(refused.body).toContain('<h1>请稍后再试</h1>');
    expect(refused.body).toContain('签发的信用报告');
    expect(await issuedCount()).toBe(before);
  });
});
