import { Page } from 'playwright-core';
import { checkConsolePage, ConsoleBrowser, open, screenshots, submit, text } from '../../helpers/console';
import { adminAndRegulator, CODES, createEnterprise } from '../../helpers/fixtures';
import { ADMIN, TestApp } from '../../helpers/test-app';

/** 系统管理 and 审计日志: an administrator's whole day in the browser; other roles are refused. */
describe('console administration', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let page: Page;
  let adminToken: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    ({ admin: adminToken } = await adminAndRegulator(t, {
      username: 'admin.regulator',
      password: 'regulator-password-1',
    }));
    await createEnterprise(t, adminToken, CODES.wenzhouLike);
    await createEnterprise(t, adminToken, CODES.shenzhen);
    b = await ConsoleBrowser.start(t);
    page = await b.signIn(ADMIN.username, ADMIN.password);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const usersNamed = async (username: string) =>
    (await t.request({ method: 'GET', url: '/api/v1/users?pageSize=200', token: adminToken }))
      .json()
      .items.filter((u: { username: string }) => u.username === username);

  it('links to every section from 系统管理', async () => {
    const response = await open(page, '/console/admin');
    expect(await text(page, 'h1')).toBe('系统管理');
    const links = (await page.locator('main .moves a').allTextContents()).map((l) => l.trim());
    expect(links).toEqual([
      '用户',
      '金融税务机构',
      '部门',
      '历史代码允许名单',
      '工作日历',
      '审计日志',
      '系统运维',
      '任务队列',
    ]);
    await checkConsolePage(page, response, 'admin');
  });

  it('creates a user: bad input first gets Chinese messages beside the fields and creates nothing', async () => {
    const response = await open(page, '/console/admin/users/new');
    await checkConsolePage(page, response, 'admin-user-new');
    await page.getByLabel('用户名').fill('a');
    await page.getByLabel('密码').fill('short');
    await page.getByLabel('角色').selectOption('regulator');
    await page.getByLabel('区县代码').fill('3303');
    await submit(page, '创建');
    expect(await text(page, '#e-username')).toBe('应为 3–64 个英文字母、数字或 _ . -');
    expect(await text(page, '#e-password')).toBe('至少 12 个字');
    expect(await text(page, '#e-districtCode')).toBe('应为 6 位数字的区县代码');
    expect(await text(page, '#form-alert')).toContain('表单有');
    await screenshots(page, 'admin-user-new-errors');
    // Valid shape, but a regulator needs a department: the service's refusal, beside its field.
    await page.getByLabel('用户名').fill('ent.wang');
    await page.getByLabel('密码').fill('a-long-password-1');
    await page.getByLabel('区县代码').fill('');
    await submit(page, '创建');
    expect(await text(page, '#e-departmentCode')).toBe('该角色必须填写此项');
    expect(await usersNamed('ent.wang')).toHaveLength(0);

    await page.getByLabel('角色').selectOption('enterprise');
    await page.getByLabel('密码').fill('a-long-password-1');
    await page.getByLabel('统一社会信用代码').fill(CODES.wenzhouLike);
    await submit(page, '创建', (url) => /\/console\/admin\/users\/[0-9a-f-]{36}$/.test(url.pathname));
    expect(await text(page, '#done')).toBe('用户已创建。');
    expect(await text(page, '#user-uscc')).toBe(CODES.wenzhouLike);
    expect(await usersNamed('ent.wang')).toHaveLength(1);
  });

  it('lists users by role', async () => {
    const response = await open(page, '/console/admin/users?role=enterprise');
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await text(page, 'tbody tr td:first-child')).toBe('ent.wang');
    await checkConsolePage(page, response, 'admin-users');
  });

  it('disables the user after a confirmation (who then cannot sign in), resets the password, re-enables', async () => {
    await open(page, '/console/admin/users?role=enterprise');
    await Promise.all([
      page.waitForURL(/\/users\/[0-9a-f-]{36}$/),
      page.getByRole('link', { name: 'ent.wang' }).click(),
    ]);
    const userPath = new URL(page.url()).pathname;
    await submit(page, '停用账号');
    expect(await text(page, '#confirm p:first-of-type')).toContain('确认停用 ent.wang');
    expect((await usersNamed('ent.wang'))[0].disabled).toBe(false);
    await screenshots(page, 'admin-user-confirm');
    await submit(page, '确认停用账号', (url) => url.pathname === userPath);
    expect(await text(page, '#done')).toBe('账号已停用。');
    expect(await text(page, '#user-status')).toBe('已停用');

    const other = await b.browser.newContext({ baseURL: b.base });
    const login = await other.newPage();
    await login.goto('/login');
    await login.getByLabel('用户名').fill('ent.wang');
    await login.getByLabel('密码').fill('a-long-password-1');
    await Promise.all([
      login.waitForResponse((r) => r.request().method() === 'POST'),
      login.getByRole('button', { name: '登录' }).click(),
    ]);
    expect(await login.locator('body').textContent()).toContain('该账号已停用，请联系管理员。');
    await other.close();

    await page.getByLabel('新密码').fill('short');
    await submit(page, '重置密码');
    expect(await text(page, '#e-password')).toBe('至少 12 个字');
    await page.getByLabel('新密码').fill('another-long-password');
    await submit(page, '重置密码', (url) => url.pathname === userPath);
    expect(await text(page, '#done')).toContain('密码已重置');

    await page.getByLabel('统一社会信用代码').fill(CODES.beijing);
    await submit(page, '绑定');
    expect(await text(page, '#e-uscc')).toBe('该企业未登记');
    expect(await text(page, '#user-uscc')).toBe(CODES.wenzhouLike);
    await page.getByLabel('统一社会信用代码').fill(CODES.shenzhen);
    await submit(page, '绑定', (url) => url.pathname === userPath);
    expect(await text(page, '#done')).toBe('已绑定企业。');
    expect(await text(page, '#user-uscc')).toBe(CODES.shenzhen);
    expect((await usersNamed('ent.wang'))[0].uscc).toBe(CODES.shenzhen);

    await submit(page, '恢复账号');
    await submit(page, '确认恢复账号', (url) => url.pathname === userPath);
    expect(await text(page, '#user-status')).toBe('正常');
    expect((await usersNamed('ent.wang'))[0].disabled).toBe(false);
    const response = await open(page, userPath);
    await checkConsolePage(page, response, 'admin-user');
  });

  it('registers an institution and issues a key shown once, then revokes it after a confirmation', async () => {
    await open(page, '/console/admin/institutions');
    await submit(page, '登记机构');
    expect(await text(page, '#e-name')).toBe('此项必填');
    expect(await text(page, '#e-kind')).toBe('此项必填');
    await page.getByLabel('名称').fill('温州测试银行');
    await page.getByLabel('类型').selectOption('bank');
    await page.getByLabel('所属部门').selectOption('STAX');
    await submit(page, '登记机构');
    expect(await text(page, '#e-departmentCode')).toBe('银行应属于金融部门，税务机关应属于税务部门');
    expect((await t.request({ method: 'GET', url: '/api/v1/institutions', token: adminToken })).json()).toHaveLength(0);
    const response = await open(page, '/console/admin/institutions');
    await checkConsolePage(page, response, 'admin-institutions');

    // A finance department for the bank, through the API.
    await t.request({
      method: 'POST',
      url: '/api/v1/departments',
      token: adminToken,
      body: { code: 'PBOC', nameZh: '中国人民银行温州市中心支行', nameEn: 'PBOC Wenzhou', kind: 'finance' },
    });
    await open(page, '/console/admin/institutions');
    await page.getByLabel('名称').fill('温州测试银行');
    await page.getByLabel('类型').selectOption('bank');
    await page.getByLabel('所属部门').selectOption('PBOC');
    await submit(page, '登记机构', (url) => /\/institutions\/[0-9a-f-]{36}$/.test(url.pathname));
    expect(await text(page, '#done')).toBe('机构已登记。');
    const path = new URL(page.url()).pathname;

    await submit(page, '签发');
    expect(await text(page, '#e-scopes')).toBe('请至少选择一项权限范围');
    await page.getByLabel('查询信用状态 status:read').check();
    await submit(page, '签发', (url) => url.pathname === path);
    expect(await text(page, '#new-key strong')).toContain('只显示这一次');
    const key = await page.locator('#new-key-value').inputValue();
    expect(key).toMatch(/^qck_[0-9a-f]{12}_/);
    await screenshots(page, 'admin-key-shown');
    const html = await open(page, path).then((r) => r.text());
    expect(html).not.toContain(key);
    expect(await page.locator('#new-key').count()).toBe(0);
    expect(html).toContain(key.slice(0, 16));
    const current = await t.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
    expect(current.statusCode).toBe(200);

    await submit(page, '吊销');
    expect(await text(page, '#confirm p:first-of-type')).toContain('确认吊销');
    await screenshots(page, 'admin-key-confirm');
    await submit(page, '确认吊销', (url) => url.pathname === path);
    expect(await text(page, '#done')).toBe('密钥已吊销。');
    // The status column (after the prefix, the name, the scopes, the rate and the date).
    expect(await text(page, '#keys tbody tr td:nth-child(6)')).toContain('已吊销');
    const refused = await t.request({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
    expect(refused.statusCode).toBe(401);
    const shown = await open(page, path);
    await checkConsolePage(page, shown, 'admin-institution');
  });

  it('renames a department (an empty name is refused beside the field)', async () => {
    await open(page, '/console/admin/departments');
    await page.getByLabel('中文名称（TOUR）').fill('');
    await page.getByLabel('英文名称（TOUR）').fill('');
    await page.locator('#dept-TOUR').getByRole('button', { name: '更名' }).click();
    await page.waitForSelector('#dept-TOUR .error');
    expect(await text(page, '#dept-TOUR .error')).toBe('此项必填');
    await page.getByLabel('中文名称（TOUR）').fill('温州市文化广电旅游局');
    await page.getByLabel('英文名称（TOUR）').fill('Wenzhou Bureau of Culture and Tourism');
    await Promise.all([
      page.waitForURL((url) => url.search.includes('done=renamed')),
      page.locator('#dept-TOUR').getByRole('button', { name: '更名' }).click(),
    ]);
    expect(await text(page, '#done')).toBe('部门已更名。');
    expect(await text(page, '#dept-TOUR td:nth-child(2)')).toContain('温州市文化广电旅游局');
    await page.getByLabel('承继部门（TOUR）').selectOption('AMR');
    await page.locator('#dept-TOUR').getByRole('button', { name: '撤并' }).click();
    await page.waitForSelector('#confirm');
    expect(await text(page, '#confirm p:first-of-type')).toContain('确认把 TOUR 撤并到 AMR');
    const response = await open(page, '/console/admin/departments');
    await checkConsolePage(page, response, 'admin-departments');
    const tour = (await t.request({ method: 'GET', url: '/api/v1/departments' }))
      .json()
      .find((d: { code: string }) => d.code === 'TOUR');
    expect(tour.successorCode).toBeNull();
  });

  it('registers a department (a bad code and a missing kind refused beside their fields, nothing created)', async () => {
    const count = async () => (await t.request({ method: 'GET', url: '/api/v1/departments' })).json().length;
    const before = await count();
    await open(page, '/console/admin/departments');
    const form = page.locator('form[action="/console/admin/departments"]');
    await form.getByLabel('部门代码').fill('ctb1');
    await form.getByLabel('中文名称').fill('温州市文化广电旅游局');
    await form.getByLabel('英文名称').fill('Wenzhou Bureau of Culture, Radio, Television and Tourism');
    await submit(page, '登记');
    expect(await text(page, '#e-code')).toBe('格式不正确');
    expect(await text(page, '#e-kind')).toBe('此项必填');
    expect(await count()).toBe(before);
    await form.getByLabel('部门代码').fill('CTB');
    await form.getByLabel('类型').selectOption('regulator');
    await submit(page, '登记', (url) => url.search.includes('done=created'));
    expect(await text(page, '#done')).toBe('部门已登记。');
    expect(await text(page, '#dept-CTB td:nth-child(2)')).toContain('温州市文化广电旅游局');
    expect(await count()).toBe(before + 1);
  });

  it('sets a holiday in the working calendar (a weekend day cannot be one) and removes it', async () => {
    await open(page, '/console/admin/calendar?month=2026-11');
    await page.getByLabel('日期').fill('2026-11-14'); // a Saturday
    await page.getByLabel('类别').selectOption('holiday');
    await page.getByLabel('名称').fill('国庆节');
    await submit(page, '设置');
    expect(await text(page, '#e-kind')).toBe('2026-11-14 是周末，只能设为调休上班');
    const before = (await t.request({ method: 'GET', url: '/api/v1/calendar/days?year=2026' })).json();
    expect(before.filter((d: { date: string }) => d.date.startsWith('2026-11'))).toEqual([]);
    await page.getByLabel('日期').fill('2026-11-11');
    await page.getByLabel('类别').selectOption('holiday');
    await page.getByLabel('名称').fill('测试节');
    await submit(page, '设置', (url) => url.search.includes('done=set'));
    expect(await text(page, '#done')).toBe('已设置 2026-11-11。');
    expect(await text(page, 'td[data-date="2026-11-11"]')).toContain('节假日（休息）');
    const days = (await t.request({ method: 'GET', url: '/api/v1/calendar/days?year=2026' })).json();
    expect(days.filter((d: { date: string }) => d.date.startsWith('2026-11'))).toEqual([
      { date: '2026-11-11', working: false, name: '测试节' },
    ]);
    const response = await open(page, '/console/admin/calendar?month=2026-10');
    expect(await text(page, 'td[data-date="2026-10-07"]')).toContain('节假日（休息）');
    await checkConsolePage(page, response, 'admin-calendar');
    await open(page, '/console/admin/calendar?month=2026-11');
    await submit(page, '恢复常规 2026-11-11', (url) => url.search.includes('done=removed'));
    expect(await text(page, 'td[data-date="2026-11-11"]')).toContain('工作日');
  });

  it('filters the audit log and verifies the chain', async () => {
    // The date picker allows only dates; an address typed by hand may hold anything.
    const bad = await page.goto('/console/audit?from=2026-13-01&action=user.update');
    expect(bad?.status()).toBe(400);
    expect(await text(page, '#e-from')).toBe('日期格式应为 YYYY-MM-DD');
    expect(await page.locator('#events').count()).toBe(0);
    await page.getByLabel('起始日期').fill('');
    await page.getByLabel('操作人').fill('nobody.here');
    await Promise.all([page.waitForURL(/actor=nobody/), page.getByRole('button', { name: '筛选' }).click()]);
    expect(await text(page, '#e-actor')).toBe('没有名为 nobody.here 的用户');
    await page.getByLabel('操作人').fill(ADMIN.username);
    await Promise.all([page.waitForURL(/actor=/), page.getByRole('button', { name: '筛选' }).click()]);
    // The action typed before (user.update) is kept: disable, new password, new code, enable; the refused
    // changes (a short password, an unregistered code) left no entry.
    expect(await text(page, '#total')).toBe('共 4 条');
    expect(await page.locator('#events tbody tr').count()).toBe(4);
    const actions = await page.locator('#events tbody tr td:nth-child(4)').allTextContents();
    expect(actions.map((a) => a.trim())).toEqual(Array(4).fill('修改用户user.update'));
    const response = await open(page, page.url());
    await checkConsolePage(page, response, 'audit');
    await Promise.all([page.waitForURL(/verify=1/), page.getByRole('button', { name: '校验审计链' }).click()]);
    expect(await text(page, '#verification')).toMatch(/^审计链完整：共 \d+ 条记录/);
    await screenshots(page, 'audit-verified');
  });

  it('refuses these pages to a regulator with the 403 page', async () => {
    const regulator = await b.signIn('admin.regulator', 'regulator-password-1');
    for (const path of [
      '/console/admin',
      '/console/admin/users',
      '/console/admin/institutions',
      '/console/admin/calendar',
      '/console/audit',
    ]) {
      const response = await regulator.goto(path);
      expect(response?.status()).toBe(403);
      expect(await text(regulator, 'h1')).toBe('无权访问');
    }
    expect(await regulator.locator('nav a', { hasText: '系统管理' }).count()).toBe(0);
    await regulator.context().close();
  });
});
