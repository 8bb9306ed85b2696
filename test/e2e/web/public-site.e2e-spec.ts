import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { MAX_PUBLIC_PAGE_BYTES } from '../../helpers/public-pages';
import { CODES, createEnterprise } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/** What holds for the whole public site: its name where it is configured, and compressed answers. */
describe('the public site', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start(__filename, {
      SITE_NAME: '瓯江市企业质量信用信息公示平台',
      SITE_OWNER: '瓯江市市场监督管理局',
      PUBLIC_URL: 'https://credit.example.gov.cn',
    });
    await createEnterprise(t, await t.loginAdmin(), CODES.wenzhouLike);
  }, 60_000);
  afterAll(() => t?.close());

  it('names the platform and its owner as configured', async () => {
    const home = await t.request({ method: 'GET', url: '/' });
    expect(home.body).toContain('<title>企业质量信用查询 · 瓯江市企业质量信用信息公示平台</title>');
    expect(home.body).toContain('瓯江市市场监督管理局');
    expect(home.body).not.toContain('温州市企业质量信用信息公示平台');
    // No filing number is set: the footer has no line for them.
    expect(home.body).not.toContain('id="site-filings"');
  });

  it.each([
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ])('sends pages %s-compressed when the client accepts it, and plain when it does not', async (encoding, inflate) => {
    const plain = await t.request({ method: 'GET', url: '/blacklist' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeLessThan(MAX_PUBLIC_PAGE_BYTES);
    const packed = await t.request({ method: 'GET', url: '/blacklist', headers: { 'accept-encoding': encoding } });
    expect(packed.statusCode).toBe(200);
    expect(packed.headers['content-encoding']).toBe(encoding);
    expect(packed.headers.vary).toContain('accept-encoding');
    expect(packed.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(inflate(packed.rawPayload).toString('utf8')).toBe(plain.body);
  });

  it("compresses the API's answers too (JSON), but not a small answer", async () => {
    const document = await t.request({ method: 'GET', url: '/docs-json', headers: { 'accept-encoding': 'gzip' } });
    expect(document.statusCode).toBe(200);
    expect(document.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(document.rawPayload).toString('utf8')).openapi).toMatch(/^3\./);
    const health = await t.request({ method: 'GET', url: '/health/live', headers: { 'accept-encoding': 'gzip' } });
    expect(health.statusCode).toBe(200);
    expect(health.headers['content-encoding']).toBeUndefined();
  });

  it('lets shared caches keep a report page whose QR address is PUBLIC_URL, but not one that sets a cookie', async () => {
    const issued = await t.request({ method: 'POST', url: `/api/v1/public/enterprises/${CODES.wenzhouLike}/reports` });
    expect(issued.statusCode).toBe(201);
    const { number } = issued.json() as { number: string };
    const page = await t.request({ method: 'GET', url: `/reports/${number}`, headers: { host: 'evil.example' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('public, max-age=3600');
    expect(page.body).toContain(`https://credit.example.gov.cn/reports/verify?no=${number}`);
    expect(page.body).not.toContain('evil.example');
    const english = await t.request({ method: 'GET', url: `/reports/${number}?lang=en` });
    expect(english.headers['set-cookie']).toContain('lang=en');
    expect(english.headers['cache-control']).toBe('private, max-age=3600');
  });

  it('reads a search with a control character as the search without it, as a page', async () => {
    for (const url of ['/blacklist?q=%01', '/search?q=%E6%B8%A9%01']) {
      const res = await t.request({ method: 'GET', url });
      expect([url, res.statusCode, res.headers['content-type']]).toEqual([url, 200, 'text/html; charset=utf-8']);
    }
  });
});
