import { Page } from 'playwright-core';
import { checkConsolePage, ConsoleBrowser, open } from '../../helpers/console';
import { adminAndRegulator, CODES, createUser } from '../../helpers/fixtures';
import { ADMIN, TestApp } from '../../helpers/test-app';

/**
 * 分类标准 in the browser: an administrator uploads a bad draft (the error beside the field with
 * its JSON path, nothing stored) and a good one, and sees what it changes; a reviewer dry-runs
 * it (the grade-move matrix and the district chart) and activates it with a confirmation, and
 * watches the recompute reach its end. The worker runs in the test app (ROLE=all).
 */
describe('console: rule sets', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let v1: Record<string, unknown>;
  let dryRunPath = '';
  const REVIEWER = { username: 'rules.reviewer', password: 'rules-review-1' };
  const count = async () => Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM rule_sets`))[0].n);
  /** Sends the draft form and waits for the page it answers (the same address when refused). */
  const submitted = async (page: Page) => {
    await page.evaluate(`document.body.dataset.sent = 'yes'`);
    await page.getByRole('button', { name: '保存草案' }).click();
    await page.waitForSelector('body:not([data-sent])');
  };
  const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    const { admin, regulator } = await adminAndRegulator(
      t,
      { username: 'rules.regulator', password: 'rules-regulate-1' },
      [
        [CODES.wenzhouLike, { districtCode: '330302' }],
        [CODES.beijing, { districtCode: '330303', name: '温州市龙湾泵业有限公司' }],
      ],
    );
    await createUser(t, admin, { ...REVIEWER, role: 'reviewer', departmentCode: 'AMR' });
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const recorded = await t.request({
      method: 'POST',
      url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`,
      token: regulator,
      body: {
        type: 'spot_check_fail',
        severity: 'serious',
        occurredOn: monthAgo,
        documentNo: 'RS-1',
        summary: '抽查不合格',
      },
    });
    expect(recorded.statusCode).toBe(201);
    [{ document: v1 }] = await t.sql<{ document: Record<string, unknown> }>(
      `SELECT document FROM rule_sets WHERE version = 1`,
    );
    b = await ConsoleBrowser.start(t);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('lets an administrator upload a draft: errors with their JSON path beside the field, then the diff', async () => {
    const page = await b.signIn(ADMIN.username, ADMIN.password);
    const list = await open(page, '/console/rule-sets');
    expect(await text(page, '#h-v1')).toBe('第 1 版 现行');
    expect(await text(page, '#v1 dl')).toContain('起草系统');
    await checkConsolePage(page, list, 'rule-sets');

    await Promise.all([
      page.waitForURL('**/console/rule-sets/new'),
      page.getByRole('link', { name: '上传草案' }).click(),
    ]);
    const field = page.getByLabel('标准文档（JSON）');
    expect(JSON.parse(await field.inputValue())).toEqual(v1);
    await field.fill(JSON.stringify({ ...v1, thresholds: { A: '高', B: 75, C: 60 }, extra: 1 }, null, 2));
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存草案' }).click(),
    ]);
    expect(refused.status()).toBe(400);
    const errors = await page.locator('.field.invalid #e-document li').allTextContents();
    expect(errors).toEqual(expect.arrayContaining(['/thresholds/A：应为数字', '/extra：不是标准中已知的字段']));
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await count()).toBe(1);
    await checkConsolePage(page, refused, 'rule-set-new-error');

    await field.fill('{ "name": ');
    await submitted(page);
    expect(await text(page, '#e-document')).toMatch(/^不是有效的 JSON：/);
    expect(await count()).toBe(1);

    // A chosen file wins over the text area.
    await page.getByLabel('或选择 JSON 文件').setInputFiles({
      name: 'draft.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ ...v1, name: 7, baseScore: undefined })),
    });
    await submitted(page);
    expect(await page.locator('#e-document li').allTextContents()).toEqual([
      '/baseScore：缺少此必填项',
      '/name：应为文字（字符串）',
    ]);
    expect(await count()).toBe(1);

    await field.fill(JSON.stringify({ ...v1, baseScore: 95 }, null, 2));
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/console/rule-sets' && url.search === '?drafted=2'),
      page.getByRole('button', { name: '保存草案' }).click(),
    ]);
    expect(await text(page, '#drafted')).toContain('草案第 2 版已保存');
    expect(await text(page, '#h-v2')).toBe('第 2 版 草案');
    expect(await text(page, '#v2 h3')).toBe('与第 1 版相比的变化');
    expect(await text(page, '#v2 pre.diff')).toBe('~ /baseScore: 80 → 95');
    expect(await text(page, '#v2 pre.diff .del')).toBe('80');
    expect(await text(page, '#v2 pre.diff .add')).toBe('95');
    expect(await page.locator('#v2').getByRole('link', { name: '启用' }).count()).toBe(0); // reviewers activate
    const shown = await open(page, '/console/rule-sets');
    await checkConsolePage(page, shown, 'rule-sets-diff');
    await page.context().close();
  });

  it('lets a reviewer dry-run the draft, then activate it with confirmation and follow the recompute', async () => {
    const page = await b.signIn(REVIEWER.username, REVIEWER.password);
    await open(page, '/console/rule-sets');
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/console/rule-sets/2/dry-run' && url.searchParams.has('job')),
      page.locator('#v2').getByRole('button', { name: '试算' }).click(),
    ]);
    // htmx polls the job's fragment until the result is in.
    await page.waitForSelector('#moves');
    // Under v1 (base 80): the failed check gives 65, C; the clean one 80, B. Under the draft (base 95): 80, B and 95, A.
    const cell = (from: string, to: string) => text(page, `#moves td[data-from="${from}"][data-to="${to}"]`);
    expect(await cell('C', 'B')).toBe('1');
    expect(await cell('B', 'A')).toBe('1');
    expect(await cell('B', 'B')).toBe('0');
    expect(await page.locator('#moves thead th').allTextContents()).toEqual([
      '现行 \\ 草案',
      'A 守信',
      'B 良好',
      'C 警示',
      'D 失信',
      '合计',
    ]);
    expect(await page.locator('#district-chart svg[role="img"] rect.bar').count()).toBe(16); // 2 districts × 2 × 4 grades
    expect(await page.locator('#districts tbody th').allTextContents()).toEqual(['鹿城区', '龙湾区']);
    expect(await page.locator('#refresh').count()).toBe(0);
    dryRunPath = new URL(page.url()).pathname + new URL(page.url()).search;
    expect(await text(page, '#job-state')).toBe('已完成（100%）');
    const dryRun = await open(page, page.url());
    await checkConsolePage(page, dryRun, 'rule-set-dry-run');

    await open(page, '/console/rule-sets');
    await Promise.all([
      page.waitForURL('**/console/rule-sets/2/activate'),
      page.locator('#v2').getByRole('link', { name: '启用' }).click(),
    ]);
    expect(await text(page, 'h1')).toBe('启用第 2 版');
    expect(await text(page, 'pre.diff')).toBe('~ /baseScore: 80 → 95');
    expect(
      Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM rule_sets WHERE status = 'draft'`))[0].n),
    ).toBe(1);
    const confirm = await open(page, page.url());
    await checkConsolePage(page, confirm, 'rule-set-activate');

    await Promise.all([
      page.waitForURL((url) => url.pathname === '/console/rule-sets/2/recompute' && url.searchParams.has('job')),
      page.getByRole('button', { name: '确认启用' }).click(),
    ]);
    await page.waitForSelector('[role="progressbar"][aria-valuenow="100"]');
    await page.waitForSelector('#recompute-done');
    expect(await text(page, '#recompute-done')).toBe('重新评级完成：共 2 家企业，2 家等级或分数有变化。');
    const done = await open(page, page.url());
    await checkConsolePage(page, done, 'rule-set-recompute');

    await open(page, '/console/rule-sets');
    expect(await text(page, '#h-v2')).toBe('第 2 版 现行');
    expect(await text(page, '#h-v1')).toBe('第 1 版 已停用');
    expect(await text(page, '#v2 dl')).toContain(REVIEWER.username);
    await page.context().close();
  });

  it('answers htmx with the job fragment alone, and refuses another person the job', async () => {
    const fragment = await t.request({
      method: 'GET',
      url: dryRunPath,
      headers: { cookie: `qc_session=${await t.login(REVIEWER.username, REVIEWER.password)}`, 'hx-request': 'true' },
    });
    expect(fragment.statusCode).toBe(200);
    expect(fragment.body).toMatch(/^<div id="job">/);
    expect(fragment.body).not.toContain('<html');
    expect(fragment.body).not.toContain('hx-trigger'); // finished: htmx stops polling
    const other = await createUser(t, await t.loginAdmin(), {
      username: 'rules.reviewer2',
      password: 'rules-review-2',
      role: 'reviewer',
      departmentCode: 'AMR',
    });
    const refused = await t.request({ method: 'GET', url: dryRunPath, headers: { cookie: `qc_session=${other}` } });
    expect(refused.statusCode).toBe(403);
  });

  it('refuses the draft form to a reviewer and the activation to an administrator', async () => {
    const admin = await b.signIn(ADMIN.username, ADMIN.password);
    expect((await admin.goto('/console/rule-sets/2/activate'))?.status()).toBe(403);
    await admin.context().close();
    const reviewer = await b.signIn(REVIEWER.username, REVIEWER.password);
    expect((await reviewer.goto('/console/rule-sets/new'))?.status()).toBe(403);
    expect((await reviewer.goto('/console/rule-sets/9/dry-run'))?.status()).toBe(404);
    await reviewer.context().close();
  });
});
