import { TestApp } from '../../helpers/test-app';

describe('routes open to everyone are rate-limited per client address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start(__filename, { PUBLIC_RATE_LIMIT: '3' });
  });
  afterAll(() => t.close());

  const reasons = (remoteAddress: string) =>
    t.request({ method: 'GET', url: '/api/v1/blacklist-reasons', remoteAddress });

  it('answers 429 with Retry-After past the limit, and counts each address apart', async () => {
    for (let i = 0; i < 3; i++) expect((await reasons('203.0.113.7')).statusCode).toBe(200);
    const refused = await reasons('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ status: 429, detail: expect.stringContaining('at most 3 requests') });
    expect((await reasons('198.51.100.20')).statusCode).toBe(200);
  });

  it('leaves authenticated routes to their own limits', async () => {
    const admin = await t.loginAdmin(); // the login route is public: its own limit and this one
    for (let i = 0; i < 5; i++) {
      expect((await t.request({ method: 'GET', url: '/api/v1/audit/events', token: admin })).statusCode).toBe(200);
    }
  });
});
