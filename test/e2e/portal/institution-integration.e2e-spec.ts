import type { Page } from 'playwright-core';
import { makeUscc } from '../../../src/common/uscc';
import { FlowingClock } from '../../helpers/clock';
import { checkConsolePage, ConsoleBrowser, open, screenshots, submit, text } from '../../helpers/console';
import { createEnterprise, createKey, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { Receiver, verifies } from '../../helpers/webhooks';

/**
 * The institution portal's integration pages in Chromium: a bank's user issues an API key (shown
 * once), uses it, revokes it and sees the API refuse it; subscribes a webhook to a receiver on
 * 127.0.0.1, pings it, rotates the secret with an overlap in which both secrets sign (verified by
 * the standardwebhooks package), and after which only the new one does; another institution's
 * key and subscription are not found.
 */
const USCC = makeUscc('330302', 912);
const BANK_USER = { username: 'integration.bank', password: 'integration-bank-1', role: 'institution' };
const TAX = { name: '国家税务总局温州市税务局', kind: 'tax', departmentCode: 'STAX' };

describe('institution portal: API keys and webhooks', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let page: Page;
  let receiver: Receiver;
  let tax: { key: string; keyId: string };
  let taxHook: string;
  const clock = new FlowingClock(new Date());

  beforeAll(async () => {
    clock.set('2026-03-02T02:00:00Z');
    t = await TestApp.start(__filename, { WEBHOOK_ALLOW_PRIVATE: 'true' }, { clock });
    const admin = await t.loginAdmin();
    await createEnterprise(t, admin, USCC);
    const bank = await createKey(t, admin, ['status:read']);
    await createUser(t, admin, { ...BANK_USER, institutionId: bank.institutionId });
    tax = await createKey(t, admin, ['webhooks:manage'], TAX);
    receiver = await Receiver.start();
    receiver.expectSigned('/tax', 'tax-webhook-secret-0123456789');
    const hook = await t.request({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: { 'x-api-key': tax.key },
      body: { url: receiver.url('/tax'), events: ['blacklist.published'], secret: 'tax-webhook-secret-0123456789' },
    });
    taxHook = hook.json().id;
    b = await ConsoleBrowser.start(t);
    page = await b.signIn(BANK_USER.username, BANK_USER.password);
  }, 60_000);
  // Every delivery verifies with the standardwebhooks package, as the integrator's receiver would.
  afterEach(() => receiver.checkVerified());
  afterAll(async () => {
    await b?.close();
    await t?.close();
    await receiver?.close();
  });

  const lookup = (key: string) =>
    t.request({
      method: 'GET',
      url: `/api/v1/credit-status/${USCC}?purpose=loan_application`,
      headers: { 'x-api-key': key },
    });
  /** A same-site post from the signed-in page (as a form on this site would send it). */
  const post = (path: string, form: Record<string, string> = {}) =>
    page.request.post(path, { form, headers: { origin: b.base }, maxRedirects: 0 });

  it('issues a key shown once, which the API takes until it is revoked after a confirmation', async () => {
    await checkConsolePage(page, await open(page, '/portal/institution/keys'), 'portal-keys');
    expect(await text(page, 'h1')).toBe('API 密钥');
    // The key the administrator issued at registration is listed (its prefix only).
    expect(await page.locator('#keys tbody tr').count()).toBe(1);

    // No scope chosen: refused, the message beside the scopes.
    const refused = await submit(page, '签发');
    expect(refused.status()).toBe(400);
    expect(await text(page, '#e-scopes')).toBe('请至少选择一项权限范围');

    await page.getByLabel('名称').fill('贷前审查系统');
    await page.getByLabel('查询信用状态 status:read').check();
    await page.getByLabel('变更订阅 feed:read').check();
    await submit(page, '签发', (url) => url.pathname === '/portal/institution/keys');
    const key = await page.locator('#new-key-value').inputValue();
    expect(key).toMatch(/^qck_[0-9a-f]{12}_/);
    expect(await text(page, '#new-key')).toContain('只显示这一次');
    await screenshots(page, 'portal-keys-new');
    // At 1280 px (the page's width), each 吊销 in the table stays on one line: as tall as 签发 below.
    const oneLine = (await page.getByRole('button', { name: '签发' }).boundingBox())!.height;
    for (const button of await page.locator('#keys tbody button').all())
      expect((await button.boundingBox())!.height).toBe(oneLine);
    await open(page, '/portal/institution/keys');
    // It was shown once: the page again shows only its prefix.
    expect(await page.locator('#new-key').count()).toBe(0);
    const prefix = key.split('_').slice(0, 2).join('_');
    const row = page.locator('#keys tbody tr', { hasText: prefix });
    expect((await row.locator('td').allTextContents()).map((c) => c.trim())).toEqual([
      prefix,
      '贷前审查系统',
      'status:read, feed:read',
      '600',
      expect.any(String),
      '有效',
      '吊销',
    ]);

    expect((await lookup(key)).statusCode).toBe(200);

    // 吊销 asks first, then revokes.
    const asked = await press(row.getByRole('button', { name: '吊销' }), (url) => url.pathname.endsWith('/revoke'));
    expect(asked.status()).toBe(200);
    expect(await text(page, '#confirm')).toContain(prefix);
    await checkConsolePage(page, asked, 'portal-keys-revoke');
    await submit(page, '确认吊销', (url) => url.search === '?done=revoked');
    expect(await text(page, '#done')).toBe('密钥已吊销。');
    expect(await page.locator('#keys tbody tr', { hasText: prefix }).textContent()).toContain('已吊销');
    expect((await lookup(key)).statusCode).toBe(401);

    // Another institution's key: not found, and not revoked.
    const other = await post(`/portal/institution/keys/${tax.keyId}/revoke`, { confirmed: 'yes' });
    expect(other.status()).toBe(404);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/webhooks', headers: { 'x-api-key': tax.key } })).statusCode,
    ).toBe(200);
  });

  it('subscribes, pings, rotates with an overlap in which both secrets sign, replays and unsubscribes', async () => {
    await checkConsolePage(page, await open(page, '/portal/institution/webhooks'), 'portal-webhooks');
    expect(await text(page, 'h1')).toBe('事件推送');
    // Nothing ticked: the message beside the events.
    await page.getByLabel('接收地址（URL）').fill(receiver.url('/bank'));
    expect((await submit(page, '登记')).status()).toBe(400);
    expect(await text(page, '#e-events')).toBe('请至少选择一种事件类型');

    await page.getByLabel('信用记录撤回 record.retracted').check();
    await submit(page, '登记', (url) => /^\/portal\/institution\/webhooks\/[0-9a-f-]{36}$/.test(url.pathname));
    const path = new URL(page.url()).pathname;
    const first = await page.locator('#new-secret-value').inputValue();
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(await text(page, '#new-secret')).toContain('只显示这一次');
    receiver.expectSigned('/bank', first);
    await screenshots(page, 'portal-webhook-new');
    await open(page, path);
    expect(await page.locator('#new-secret').count()).toBe(0);
    expect(await text(page, '#no-deliveries')).toBe('尚无投递记录。');

    // 发送测试: a ping, delivered, signed, and listed with its answer and response time.
    await submit(page, '发送测试', (url) => url.search === '?done=pinged');
    await until('the ping', async () => receiver.on('/bank')[0]);
    const delivered = await until('the ping delivered', async () => {
      await open(page, path);
      const cells = await page.locator('#deliveries tbody tr').first().locator('td').allTextContents();
      return cells[2]?.trim() === '已送达' && cells.map((c) => c.trim());
    });
    expect(delivered[1]).toBe('测试 ping');
    expect(delivered[3]).toBe('200');
    expect(delivered[4]).toMatch(/^\d+$/);
    expect(delivered[5]).toBe('1');
    await checkConsolePage(page, await open(page, path), 'portal-webhook');

    // 轮换密钥 with a two-hour overlap: the new secret once, with the old one's end.
    await page.getByLabel('重叠期（小时，0–168）').fill('2');
    await submit(page, '轮换', (url) => url.pathname === path);
    const second = await page.locator('#new-secret-value').inputValue();
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(await text(page, '#previous-until')).toBe('旧密钥仍同时签名，至 2026-03-02 12:00 为止');
    await screenshots(page, 'portal-webhook-rotated');

    // During the overlap every delivery verifies with the old and with the new secret.
    receiver.expectSigned('/bank', first, second);
    await t.sql(`INSERT INTO change_events (type, uscc, data) VALUES ('record.retracted', $1, '{}')`, [USCC]);
    const during = await until('a delivery in the overlap', async () => receiver.on('/bank')[1]);
    expect(during.verifiedWith).toEqual([first, second]);

    // After it, only with the new one.
    clock.set('2026-03-02T05:00:00Z');
    receiver.expectSigned('/bank', second);
    // Three hours on, the session has ended: sign in again.
    await page.context().close();
    page = await b.signIn(BANK_USER.username, BANK_USER.password);
    await open(page, path);
    await submit(page, '发送测试', (url) => url.search === '?done=pinged');
    const after = await until('a delivery after the overlap', async () => receiver.on('/bank')[2]);
    expect(verifies(second, after)).toBe(true);
    expect(verifies(first, after)).toBe(false);

    // 从序号重放: a number, checked beside the field.
    await page.getByLabel('起始序号').fill('0');
    expect((await submit(page, '重放')).status()).toBe(400);
    expect(await text(page, '#e-fromSeq')).not.toBe('');
    const seq = JSON.parse(during.body).seq as number;
    await page.getByLabel('起始序号').fill(String(seq));
    await submit(page, '重放', (url) => url.search.startsWith('?done=replayed'));
    expect(await text(page, '#done')).toBe(`已从序号 ${seq} 起重放。`);
    await until('the replayed event', async () =>
      receiver
        .on('/bank')
        .slice(3)
        .some((r) => JSON.parse(r.body).seq === seq),
    );

    // A shown-once cookie that is not ours (mangled, forged) shows nothing, and no error.
    for (const value of ['not-json', Buffer.from('{"secret": 7}').toString('base64url')]) {
      await page.context().addCookies([{ name: 'qc_new_secret', value, url: `${b.base}${path}` }]);
      await open(page, path);
      expect(await page.locator('#new-secret').count()).toBe(0);
    }

    // Another institution's subscription is the 404 page, whatever is asked of it.
    const missing = await page.goto(`/portal/institution/webhooks/${taxHook}`);
    expect(missing?.status()).toBe(404);
    expect(await text(page, 'h1')).toBe('未找到');
    for (const action of ['ping', 'rotate', 'replay', 'delete']) {
      const res = await post(`/portal/institution/webhooks/${taxHook}/${action}`, { confirmed: 'yes', fromSeq: '1' });
      expect([action, res.status()]).toEqual([action, 404]);
    }
    expect(receiver.on('/tax')).toEqual([]);

    // In English too, every string is there.
    for (const address of [path, '/portal/institution/webhooks', '/portal/institution/keys']) {
      await open(page, `${address}?lang=en`);
      expect(await page.locator('body').textContent()).not.toMatch(/undefined|null/);
    }
    expect(await text(page, 'h1')).toBe('API keys');

    // 取消订阅 asks first.
    await open(page, `${path}?lang=zh`);
    const asked = await submit(page, '取消订阅', (url) => url.pathname.endsWith('/delete'));
    expect(await text(page, '#confirm')).toContain(receiver.url('/bank'));
    await checkConsolePage(page, asked, 'portal-webhook-unsubscribe');
    await submit(page, '确认取消订阅', (url) => url.pathname === '/portal/institution/webhooks');
    expect(await text(page, '#done')).toBe('已取消订阅。');
    expect(await page.locator('#webhooks').count()).toBe(0);
    expect((await page.goto(path))?.status()).toBe(404);
  });
});

/** Clicks a submit button and waits for the post's answer and the page it shows. */
async function press(button: ReturnType<Page['locator']>, path: (url: URL) => boolean) {
  const [response] = await Promise.all([
    button.page().waitForResponse((r) => r.request().method() === 'POST'),
    button.page().waitForURL(path, { waitUntil: 'load' }),
    button.click(),
  ]);
  return response;
}
