import { checkConsolePage, ConsoleBrowser, open, screenshots, submit, text } from '../../helpers/console';
import { adminAndRegulator, CODES, createUser } from '../../helpers/fixtures';
import { ADMIN, TestApp } from '../../helpers/test-app';

const REGULATOR = { username: 'reg.regulator', password: 'regulator-password-1', districtCode: '330302' };
const REVIEWER = { username: 'reg.reviewer', password: 'reviewer-password-1' };
/** Already registered, in the regulator's district. */
const EXISTING = CODES.wenzhouLike;
/** Registered through the form. */
const NEW = CODES.shenzhen;
/** A legacy code: the right organisation code, a wrong check character. */
const LEGACY = `${CODES.wenzhouLike.slice(0, 17)}A`;

/**
 * 登记企业, 修改登记信息 and 历史代码允许名单 in Chromium: a district regulator registers an
 * enterprise (bad and duplicate codes first: Chinese messages beside the field, nothing created),
 * edits its name and sees it on the file; an administrator allows a legacy code; a reviewer may
 * read the allow-list but is refused the registration form.
 */
describe('console registry', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let admin: string;

  const enterprisesNamed = async (uscc: string) =>
    Number((await t.sql<{ n: string }>('SELECT count(*)::text AS n FROM enterprises WHERE uscc = $1', [uscc]))[0].n);

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    ({ admin } = await adminAndRegulator(t, REGULATOR, [EXISTING]));
    await createUser(t, admin, { ...REVIEWER, role: 'reviewer', departmentCode: 'AMR' });
    b = await ConsoleBrowser.start(t);
  }, 90_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('lets a district regulator register an enterprise and edit it; bad input creates nothing', async () => {
    const page = await b.signIn(REGULATOR.username, REGULATOR.password);
    await open(page, '/console/enterprises');
    await Promise.all([
      page.waitForURL('**/console/enterprises/new'),
      page.getByRole('link', { name: '登记企业' }).click(),
    ]);
    const response = await open(page, '/console/enterprises/new');
    expect(await text(page, 'h1')).toBe('登记企业');
    // Only the regulator's own district to choose.
    expect(await page.locator('#f-districtCode option').allTextContents()).toEqual(['330302 鹿城区']);
    await checkConsolePage(page, response, 'enterprise-new');

    await page.getByLabel('统一社会信用代码').fill(`${NEW.slice(0, 17)}A`);
    await page.getByLabel('企业名称').fill('温州市鹿城泵业有限公司');
    await page.getByLabel('行业代码').fill('3443');
    await page.getByLabel('成立日期').fill('2010-03-01');
    await submit(page, '登记');
    expect(await text(page, '#e-uscc')).toBe('校验位（第 18 位）与前 17 位不符，请核对代码');
    expect(await text(page, '#e-industryCode')).toBe('应为行业分类代码，如 C 或 C3443');
    expect(await text(page, '#form-errors')).toContain('表单有 2 处');
    expect(await page.getByLabel('企业名称').inputValue()).toBe('温州市鹿城泵业有限公司');
    await screenshots(page, 'enterprise-new-errors');
    expect(await enterprisesNamed(`${NEW.slice(0, 17)}A`)).toBe(0);

    // A code already registered: the service's refusal, beside the field.
    await page.getByLabel('统一社会信用代码').fill(EXISTING);
    await page.getByLabel('行业代码').fill('C3443');
    await submit(page, '登记');
    expect(await text(page, '#e-uscc')).toBe('该统一社会信用代码的企业已登记');
    expect(await enterprisesNamed(EXISTING)).toBe(1);

    await page.getByLabel('统一社会信用代码').fill(NEW.toLowerCase());
    await page.getByLabel('法定代表人').fill('李四');
    await page.getByLabel('住所').fill('温州市鹿城区江滨路8号');
    await submit(page, '登记', (url) => url.pathname === `/console/enterprises/${NEW}`);
    expect(await text(page, '#saved')).toBe('企业已登记。');
    expect(await text(page, 'h1')).toBe('温州市鹿城泵业有限公司');
    expect(await text(page, '#facts')).toContain('C3443');
    expect(await enterprisesNamed(NEW)).toBe(1);

    await Promise.all([
      page.waitForURL(`**/console/enterprises/${NEW}/edit`),
      page.getByRole('link', { name: '修改登记信息' }).click(),
    ]);
    const edit = await open(page, `/console/enterprises/${NEW}/edit`);
    expect(await page.getByLabel('企业名称').inputValue()).toBe('温州市鹿城泵业有限公司');
    expect(await page.getByLabel('住所').inputValue()).toBe('温州市鹿城区江滨路8号');
    await checkConsolePage(page, edit, 'enterprise-edit');
    await page.getByLabel('企业名称').fill('   ');
    await submit(page, '保存');
    expect(await text(page, '#e-name')).toBe('此项必填');
    await page.getByLabel('企业名称').fill('温州市鹿城精密泵业有限公司');
    await submit(page, '保存', (url) => url.pathname === `/console/enterprises/${NEW}`);
    expect(await text(page, '#saved')).toBe('登记信息已保存。');
    expect(await text(page, 'h1')).toBe('温州市鹿城精密泵业有限公司');
    await page.context().close();
  });

  it('lets an administrator allow a legacy code with a reason', async () => {
    const page = await b.signIn(ADMIN.username, ADMIN.password);
    await open(page, '/console/admin');
    await Promise.all([
      page.waitForURL('**/console/admin/uscc-allowlist'),
      page.getByRole('link', { name: '历史代码允许名单' }).click(),
    ]);
    const response = await open(page, '/console/admin/uscc-allowlist');
    expect(await text(page, '#allow-none')).toBe('允许名单为空。');
    await checkConsolePage(page, response, 'uscc-allowlist');

    await page.getByLabel('统一社会信用代码').fill(CODES.beijing);
    await page.getByLabel('理由').fill('短');
    await submit(page, '加入');
    expect(await text(page, '#e-reason')).toBe('至少 5 个字');
    await page.getByLabel('理由').fill('2016 年鹿城区登记机关颁发时校验位有误，经温市监〔2016〕12号函核实');
    await submit(page, '加入');
    expect(await text(page, '#e-uscc')).toBe('该代码校验通过，无需加入允许名单');
    await screenshots(page, 'uscc-allowlist-errors');
    expect((await t.sql('SELECT uscc FROM uscc_allowlist')).length).toBe(0);

    await page.getByLabel('统一社会信用代码').fill(LEGACY);
    await submit(page, '加入', (url) => url.searchParams.get('added') === LEGACY);
    expect(await text(page, '#done')).toBe(`${LEGACY} 已加入允许名单。`);
    expect(await text(page, `#a-${LEGACY} td[data-label="理由"]`)).toContain('温市监〔2016〕12号');
    await screenshots(page, 'uscc-allowlist-added');
    // The registry accepts the code from now on.
    const registered = await t.request({
      method: 'POST',
      url: '/api/v1/enterprises',
      token: admin,
      body: { uscc: LEGACY, name: '温州市老字号阀门厂', districtCode: '330302' },
    });
    expect(registered.statusCode).toBe(201);
    await page.context().close();
  });

  it('shows a reviewer the allow-list without its form and refuses the registration pages', async () => {
    const page = await b.signIn(REVIEWER.username, REVIEWER.password);
    await open(page, '/console/enterprises');
    expect(await page.getByRole('link', { name: '登记企业' }).count()).toBe(0);
    await Promise.all([
      page.waitForURL('**/console/admin/uscc-allowlist'),
      page.getByRole('link', { name: '历史代码允许名单' }).click(),
    ]);
    expect(await page.locator(`#a-${LEGACY}`).count()).toBe(1);
    expect(await page.getByRole('button', { name: '加入' }).count()).toBe(0);
    for (const path of ['/console/enterprises/new', `/console/enterprises/${NEW}/edit`]) {
      const refused = await page.goto(path);
      expect(refused?.status()).toBe(403);
      expect(await text(page, 'h1')).toBe('无权访问');
    }
    await screenshots(page, 'enterprise-new-refused');
    const file = await open(page, `/console/enterprises/${NEW}`);
    expect(file.status()).toBe(200);
    expect(await page.getByRole('link', { name: '修改登记信息' }).count()).toBe(0);
    await page.context().close();
  });
});
