import { createKey } from '../../helpers/fixtures';
import { expectFieldRefused } from '../../helpers/problems';
import { TestApp } from '../../helpers/test-app';

/** What the bad-input fuzzer (test/drills/fuzz.drill.ts) found still accepted. */
describe('bad input the fuzzer found', () => {
  let t: TestApp;
  let admin: string;
  let feedKey: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    admin = await t.loginAdmin();
    feedKey = (await createKey(t, admin, ['feed:read'])).key;
  });
  afterAll(() => t.close());

  describe('unknown fields named after members of Object.prototype', () => {
    const merge = (body: unknown) =>
      t.request({ method: 'POST', url: '/api/v1/departments/QTS/merge-into', token: admin, body });

    it('refuses them in a body, naming the field, and changes nothing', async () => {
      for (const name of ['hasOwnProperty', 'constructor', '__lookupGetter__', 'isPrototypeOf', 'toString']) {
        expectFieldRefused(await merge({ successorCode: 'AMR', [name]: -1 }), name, 'is not a known field');
      }
      const [qts] = await t.sql<{ successor_code: string | null }>(
        `SELECT successor_code FROM departments WHERE code = 'QTS'`,
      );
      expect(qts.successor_code).toBeNull();
    });

    it('refuses them at any depth of a body', async () => {
      const res = await t.request({
        method: 'PUT',
        url: '/api/v1/watchlist',
        headers: { 'x-api-key': feedKey },
        body: { usccs: [{ constructor: 1 }] },
      });
      expectFieldRefused(res, 'usccs[0].constructor', 'is not a known field');
    });

    it('refuses them, and the members of a query class, in a query', async () => {
      for (const name of ['hasOwnProperty', 'valueOf', 'offset']) {
        const res = await t.request({ method: 'GET', url: `/api/v1/users?${name}=1`, token: admin });
        expectFieldRefused(res, name, 'is not a known field');
      }
    });
  });

  describe('integers in a query', () => {
    it('reads decimal digits only, and names the field of anything else', async () => {
      for (const page of ['0x10', '0b1', '0o7', '1e3', '%2012', '%2B1', '', '1.0']) {
        expectFieldRefused(await t.request({ method: 'GET', url: `/api/v1/users?page=${page}`, token: admin }), 'page');
      }
      const feed = await t.request({
        method: 'GET',
        url: '/api/v1/feed?after=0x10',
        headers: { 'x-api-key': feedKey },
      });
      expectFieldRefused(feed, 'after');
      const second = await t.request({ method: 'GET', url: '/api/v1/users?page=2&pageSize=1', token: admin });
      expect(second.statusCode).toBe(200);
      expect(second.json()).toMatchObject({ page: 2, pageSize: 1 });
    });
  });

  describe('a query that is not valid UTF-8', () => {
    it('is refused, naming the parameter', async () => {
      const audit = await t.request({
        method: 'GET',
        url: '/api/v1/audit/events?action=%F8%88%80%80%80',
        token: admin,
      });
      expectFieldRefused(audit, 'action', 'UTF-8');
      expectFieldRefused(await t.request({ method: 'GET', url: '/api/v1/enterprises?q=%E4%B8', token: admin }), 'q');
      expectFieldRefused(await t.request({ method: 'GET', url: '/api/v1/public/enterprises?q=%E4%B8' }), 'q');
      expectFieldRefused(await t.request({ method: 'GET', url: '/api/v1/public/enterprises?q=x&%C0%AF=1' }), 'query');
    });

    it('still reads a query in UTF-8, with + for a space', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/public/enterprises?q=%E6%B8%A9%E5%B7%9E+x' });
      expect(res.statusCode).toBe(200);
    });
  });
});
