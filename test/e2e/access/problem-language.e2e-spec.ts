import { CODES, createEnterprise, enterpriseBody } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/** The problem+json `detail` follows Accept-Language: English by default, Chinese for zh, zh-CN, zh-Hans. */
describe('problem language', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    admin = await t.loginAdmin();
    await createEnterprise(t, admin, CODES.wenzhouLike);
  });
  afterAll(() => t.close());

  const call = (lang: string | null, request: { method: 'GET' | 'POST'; url: string; body?: unknown }) =>
    t.request({ ...request, token: admin, headers: lang ? { 'accept-language': lang } : {} });

  it('answers a 404 in Chinese for zh-CN and in English without Accept-Language', async () => {
    const missing = { method: 'GET' as const, url: `/api/v1/enterprises/${CODES.beijing}` };
    const zh = await call('zh-CN,zh;q=0.9,en;q=0.8', missing);
    expect(zh.statusCode).toBe(404);
    expect(zh.headers['content-type']).toContain('application/problem+json');
    expect(zh.headers['content-language']).toBe('zh-CN');
    expect(zh.headers.vary).toContain('Accept-Language');
    expect(zh.json()).toMatchObject({
      type: 'urn:quality-credit:problem:not-found',
      detail: `企业 ${CODES.beijing} 不存在`,
    });
    const en = await call(null, missing);
    expect(en.headers['content-language']).toBe('en');
    expect(en.json().detail).toBe(`Enterprise ${CODES.beijing} does not exist`);
  });

  it('answers a 409 in Chinese for zh-Hans and in English for en-US', async () => {
    const duplicate = { method: 'POST' as const, url: '/api/v1/enterprises', body: enterpriseBody(CODES.wenzhouLike) };
    const zh = await call('zh-Hans', duplicate);
    expect(zh.statusCode).toBe(409);
    expect(zh.json().detail).toBe(`统一社会信用代码为 ${CODES.wenzhouLike} 的企业已登记`);
    const en = await call('en-US', duplicate);
    expect(en.json().detail).toBe(`An enterprise with credit code ${CODES.wenzhouLike} is already registered`);
  });

  it('answers a 400 in Chinese for zh, naming the fields; the field messages stay as they are', async () => {
    const invalid = { method: 'POST' as const, url: '/api/v1/enterprises', body: enterpriseBody('not-a-code') };
    const zh = await call('zh', invalid);
    expect(zh.statusCode).toBe(400);
    expect(zh.json().detail).toBe('以下字段不正确：uscc');
    expect(zh.json().errors).toEqual([expect.objectContaining({ field: 'uscc' })]);
    const en = await call(null, invalid);
    expect(en.json().detail).toBe('Invalid: uscc');
    // A route no one declared (the router's own 404) has its Chinese too.
    const nowhere = await t.request({ method: 'GET', url: '/api/v1/nowhere', headers: { 'accept-language': 'zh-CN' } });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json().detail).toBe('请求的地址不存在');
  });
});
