import { Page } from 'playwright-core';
import { checkConsolePage, ConsoleBrowser, open, submit, text } from '../../helpers/console';
import { adminAndRegulator, CODES, createKey } from '../../helpers/fixtures';
import { ADMIN, TestApp } from '../../helpers/test-app';

/** A Beijing date `days` from today. */
const beijingDay = (days: number) =>
  new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

/**
 * 系统运维 in the browser: an administrator grades every enterprise again and watches the
 * recompute reach its end, writes a past day's data export (a bad date first: the Chinese
 * message beside the field and nothing started), rotates the report signing key, and creates an
 * audit checkpoint; a regulator gets the 403 page. The worker runs in the test app (ROLE=all).
 */
describe('console: operations', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let page: Page;
  const reruns = async () =>
    Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE action = 'export.rerun'`))[0].n);

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    const { admin } = await adminAndRegulator(t, { username: 'ops.regulator', password: 'ops-regulator-1' }, [
      [CODES.wenzhouLike, { districtCode: '330302' }],
    ]);
    await createKey(t, admin, ['feed:read'], { name: '温州市财政局', kind: 'tax', departmentCode: 'LTAX' });
    b = await ConsoleBrowser.start(t);
    page = await b.signIn(ADMIN.username, ADMIN.password);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('is linked from 系统管理 and lists the operations', async () => {
    await open(page, '/console/admin');
    await Promise.all([
      page.waitForURL('**/console/admin/operations'),
      page.getByRole('link', { name: '系统运维' }).click(),
    ]);
    const response = await open(page, '/console/admin/operations');
    expect(await text(page, 'h1')).toBe('系统运维');
    expect((await page.locator('#operations a').allTextContents()).map((l) => l.trim())).toEqual([
      '全部重新评级',
      '生成数据导出',
      '轮换报告签名密钥',
    ]);
    await checkConsolePage(page, response, 'operations');
  });

  it('starts a full recompute after a confirmation and shows its progress reach 100', async () => {
    await open(page, '/console/admin/operations');
    await Promise.all([
      page.waitForURL('**/console/admin/operations/recompute'),
      page.getByRole('link', { name: '全部重新评级' }).click(),
    ]);
    const confirm = await open(page, page.url());
    expect(await text(page, '.notice.warn')).toContain('按现行分类标准（第 1 版）给全部企业重新计算信用等级');
    await checkConsolePage(page, confirm, 'operations-recompute');
    const started = await submit(page, '开始重新评级', (url) => url.pathname === '/console/rule-sets/1/recompute');
    expect(started.status()).toBe(303);
    expect(new URL(page.url()).searchParams.get('job')).toMatch(/^recompute-all:/);
    await page.waitForSelector('[role="progressbar"][aria-valuenow="100"]');
    await page.waitForSelector('#recompute-done');
    expect(await text(page, '#recompute-done')).toMatch(/^重新评级完成：共 1 家企业/);
    const done = await open(page, page.url());
    await checkConsolePage(page, done, 'operations-recompute-done');
    const [{ n }] = await t.sql<{ n: string }>(
      `SELECT count(*) AS n FROM audit_events WHERE action = 'classification.recompute'`,
    );
    expect(Number(n)).toBeGreaterThan(0);
  });

  it('writes a past day’s export: a bad date first gets a Chinese message beside the field and starts nothing', async () => {
    const form = await open(page, '/console/admin/operations/export');
    const field = page.getByLabel('导出日期');
    expect(await field.inputValue()).toBe(beijingDay(-1));
    await checkConsolePage(page, form, 'operations-export');
    const before = await reruns();

    await field.fill('2026-02-30');
    const refused = await submit(page, '生成导出');
    expect(refused.status()).toBe(400);
    expect(await text(page, '.field.invalid #e-date')).toBe('日期格式应为 YYYY-MM-DD，且须是日历上存在的一天');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await checkConsolePage(page, refused, 'operations-export-error');

    await page.getByLabel('导出日期').fill(beijingDay(1));
    expect((await submit(page, '生成导出')).status()).toBe(400);
    expect(await text(page, '#e-date')).toBe('这一天（北京时间）尚未结束，只能导出已经过去的日期');
    expect(await reruns()).toBe(before);

    const day = beijingDay(-3);
    await page.getByLabel('导出日期').fill(day);
    await page.getByLabel(/也重写已完整的部门/).check();
    await submit(
      page,
      '生成导出',
      (url) => url.pathname === '/console/admin/operations' && url.searchParams.has('export'),
    );
    expect(await text(page, '#export-started')).toMatch(
      new RegExp(`^已开始生成 ${day} 的数据导出（任务 export:${day}:`),
    );
    await page.waitForSelector('[role="progressbar"][aria-valuenow="100"]');
    await page.waitForSelector('#export-done');
    expect(await text(page, '#export-done')).toMatch(new RegExp(`^${day} 的数据导出已写入：.*LTAX.*。$`));
    expect(await reruns()).toBe(before + 1);
    const done = await open(page, page.url().split('#')[0]);
    await checkConsolePage(page, done, 'operations-export-done');
  });

  it('rotates the report signing key after a confirmation and shows the new key id', async () => {
    const jwks = async () => (await t.request({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys;
    const [old] = await jwks();
    const confirm = await open(page, '/console/admin/operations/report-key');
    expect(await text(page, '#current-key')).toBe(`当前密钥：${old.kid}`);
    await checkConsolePage(page, confirm, 'operations-report-key');
    await submit(
      page,
      '轮换密钥',
      (url) => url.pathname === '/console/admin/operations' && url.searchParams.has('rotated'),
    );
    const keys = await jwks();
    expect(keys.map((k: { kid: string }) => k.kid)).toContain(old.kid);
    const fresh = keys[0].kid;
    expect(fresh).not.toBe(old.kid);
    expect(await text(page, '#key-rotated')).toBe(`报告签名密钥已轮换，新密钥为 ${fresh}。`);
    expect(await text(page, '#result')).toContain(`原密钥 ${old.kid} 已停用`);
    const shown = await open(page, page.url().split('#')[0]);
    await checkConsolePage(page, shown, 'operations-key-rotated');
  });

  it('creates an audit checkpoint from 审计日志 after a confirmation', async () => {
    const count = async () => Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM audit_checkpoints`))[0].n);
    const before = await count();
    await open(page, '/console/audit');
    await Promise.all([
      page.waitForURL('**/console/audit/checkpoint'),
      page.getByRole('link', { name: '创建检查点' }).click(),
    ]);
    const confirm = await open(page, page.url());
    expect(await text(page, '#chain-head')).toMatch(/^当前审计链：\d+ 条记录。$/);
    await checkConsolePage(page, confirm, 'audit-checkpoint');
    expect(await count()).toBe(before);
    await submit(page, '创建检查点', (url) => url.pathname === '/console/audit' && url.searchParams.has('checkpoint'));
    expect(await count()).toBe(before + 1);
    const [latest] = (await t.request({ method: 'GET', url: '/api/v1/public/audit/checkpoints' })).json().items;
    expect(await text(page, '#checkpoint')).toContain(
      `已创建检查点：审计链 ${latest.length} 条记录，链头 ${latest.head.slice(0, 16)}`,
    );
    const shown = await open(page, page.url().split('#')[0]);
    await checkConsolePage(page, shown, 'audit-checkpoint-created');
  });

  it('refuses the operations to a regulator with the 403 page', async () => {
    const regulator = await b.signIn('ops.regulator', 'ops-regulator-1');
    for (const path of [
      '/console/admin/operations',
      '/console/admin/operations/recompute',
      '/console/admin/operations/export',
      '/console/admin/operations/report-key',
      '/console/audit/checkpoint',
    ]) {
      const response = await regulator.goto(path);
      expect(response?.status()).toBe(403);
      expect(await text(regulator, 'h1')).toBe('无权访问');
    }
    await regulator.context().close();
  });
});
