import { freePort } from '../../helpers/private-redis';
import type { AddressInfo } from 'node:net';
import { Browser, chromium } from 'playwright-core';
import { ADMIN, TestApp } from '../../helpers/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const METRICS_TOKEN = 'metrics-token-for-tests';
/** The load balancer: its forwarded headers are believed. */
const PROXY = '10.1.2.3';
/** Anyone else on the network: its forwarded headers are not. */
const STRANGER = '192.0.2.50';

/** Headers, /metrics and TRUST_PROXY: what the app answers at its edge, to browsers, scrapers and proxies. */
describe('the HTTP edge', () => {
  let t: TestApp;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    t = await TestApp.start(__filename, {
      TRUST_PROXY: '10.0.0.0/8',
      METRICS_TOKEN,
      METRICS_PORT: String(metricsPort),
      PUBLIC_RATE_LIMIT: '3',
    });
  });
  afterAll(() => t.close());

  describe('security headers', () => {
    it('tells browsers not to sniff, how much to refer, and which scripts may run', async () => {
      // The public pages run no script at all and keep their own stricter policy.
      for (const [url, scripts] of [
        ['/api/v1/districts', "script-src 'self'"],
        ['/docs', "script-src 'self'"],
        ['/', "default-src 'none'"],
      ]) {
        const res = await t.request({ method: 'GET', url, remoteAddress: '198.51.100.1' });
        expect(res.statusCode).toBe(200);
        expect(res.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'strict-origin-when-cross-origin',
          'content-security-policy': expect.stringContaining(scripts),
        });
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
    });

    it('sends HSTS only over TLS, as a trusted proxy reports it', async () => {
      const viaProxy = (remoteAddress: string, proto: string) =>
        t.request({ method: 'GET', url: '/health/live', remoteAddress, headers: { 'x-forwarded-proto': proto } });
      expect((await viaProxy(PROXY, 'https')).headers['strict-transport-security']).toBe(
        'max-age=31536000; includeSubDomains',
      );
      expect((await viaProxy(PROXY, 'http')).headers['strict-transport-security']).toBeUndefined();
      expect((await viaProxy(STRANGER, 'https')).headers['strict-transport-security']).toBeUndefined();
    });

    it('lets Swagger UI at /docs run under the policy', async () => {
      await t.app.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
        });
        const page = await browser.newPage();
        const violations: string[] = [];
        page.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
        });
        await page.goto(`${base}/docs`);
        await page.getByRole('heading', { name: /Quality-credit registry/ }).waitFor({ timeout: 15_000 });
        await page.getByText('/api/v1/public/enterprises', { exact: true }).first().waitFor();
        expect(violations).toEqual([]);
      } finally {
        await browser?.close();
      }
    }, 60_000);
  });

  describe('/metrics', () => {
    it('answers on the public port only to the bearer of METRICS_TOKEN, and is absent for anyone else', async () => {
      const scrape = (authorization?: string) =>
        t.request({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      expect((await scrape()).statusCode).toBe(404);
      expect((await scrape('Bearer wrong-token-of-the-same-size')).statusCode).toBe(404);
      const admin = await t.loginAdmin();
      expect((await scrape(`Bearer ${admin}`)).statusCode).toBe(404);
      // The very answer of a route that does not exist.
      const [hidden, unknown] = await Promise.all([
        scrape('Bearer wrong-token-of-the-same-size'),
        t.request({ method: 'GET', url: '/metrix' }),
      ]);
      const shape = (res: typeof hidden) => {
        const { requestId, detail, ...rest } = res.json() as { requestId: string; detail: string };
        return { ...rest, requestId: typeof requestId, detail: detail.replace(/metri[cx]s?/, 'PATH') };
      };
      expect(shape(hidden)).toEqual(shape(unknown));
      expect(hidden.json().detail).toBe('Cannot GET /metrics');
      expect(Object.keys(hidden.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
      const ok = await scrape(`Bearer ${METRICS_TOKEN}`);
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('http_request_duration_seconds');
    });

    it('is 404 on the public port when METRICS_TOKEN is unset', async () => {
      const bare = await t.replica({}, { METRICS_TOKEN: '', METRICS_PORT: '' });
      try {
        const res = await bare.request({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer ' } });
        expect(res.statusCode).toBe(404);
      } finally {
        await bare.close();
      }
    });

    it('answers without a token on METRICS_PORT, which serves nothing else', async () => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('process_cpu_seconds_total');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/health/live`)).status).toBe(404);
    });
  });

  describe('behind a load balancer (TRUST_PROXY)', () => {
    const districts = (remoteAddress: string, forwardedFor: string) =>
      t.request({
        method: 'GET',
        url: '/api/v1/districts',
        remoteAddress,
        headers: { 'x-forwarded-for': forwardedFor },
      });

    it("counts the public rate limit per client behind the proxy, and a stranger's forwarded address is ignored", async () => {
      // Through the proxy: each client has its own 3 requests a minute.
      for (let i = 0; i < 3; i++) expect((await districts(PROXY, '203.0.113.1')).statusCode).toBe(200);
      expect((await districts(PROXY, '203.0.113.1')).statusCode).toBe(429);
      expect((await districts(PROXY, '203.0.113.2')).statusCode).toBe(200);
      // A stranger cannot escape its limit by claiming other addresses.
      const answers: number[] = [];
      for (let i = 0; i < 4; i++) answers.push((await districts(STRANGER, `203.0.113.${10 + i}`)).statusCode);
      expect(answers).toEqual([200, 200, 200, 429]);
    });

    it('marks the staff cookie Secure when a trusted proxy says the browser came over https', async () => {
      const signIn = (remoteAddress: string, proto: string) =>
        t.request({
          method: 'POST',
          url: '/login',
          remoteAddress,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            host: 'registry.example',
            origin: `${proto}://registry.example`,
            'x-forwarded-proto': proto,
          },
          body: new URLSearchParams(ADMIN).toString(),
        });
      const viaProxy = await signIn(PROXY, 'https');
      expect(viaProxy.statusCode).toBe(303);
      expect(String(viaProxy.headers['set-cookie'])).toMatch(/^qc_session=.*; Secure$/);
      const direct = await signIn('198.51.100.7', 'https');
      expect(direct.statusCode).toBe(303);
      expect(String(direct.headers['set-cookie'])).not.toContain('Secure');
    });
  });
});
