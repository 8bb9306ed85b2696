import { Page } from 'playwright-core';
import { checkConsolePage, ConsoleBrowser, open, screenshots } from '../../helpers/console';
import { adminAndRegulator, CODES, createUser } from '../../helpers/fixtures';
import { ADMIN, TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

const REGULATOR = { username: 'file.regulator', password: 'file-password-1', districtCode: '330302' };
const HOME = CODES.wenzhouLike;
/** An enterprise of another district (龙湾区), out of the regulator's reach. */
const ELSEWHERE = CODES.beijing;

/**
 * 企业档案 and 信用记录 in Chromium: a district regulator finds an enterprise, records a failed spot
 * check through the form and sees the grade move on the file; bad input gets Chinese messages beside
 * the fields and saves nothing; a record is withdrawn with a reason; another district's file is a
 * 404 page; the query log is an admin's.
 */
describe('console enterprise file and credit records', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let page: Page;
  let admin: string;

  const recordCount = async () =>
    Number((await t.sql<{ n: string }>('SELECT count(*)::text AS n FROM credit_records'))[0].n);
  const gradeText = () => page.locator('#current-grade').textContent();

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    ({ admin } = await adminAndRegulator(t, REGULATOR, [
      HOME,
      [ELSEWHERE, { name: '温州市龙湾电器有限公司', districtCode: '330303' }],
    ]));
    // A passed spot check first: 80 + 2 → B.
    const seeded = await t.request({
      method: 'POST',
      url: `/api/v1/enterprises/${HOME}/records`,
      token: await t.login(REGULATOR.username, REGULATOR.password),
      body: {
        type: 'spot_check_pass',
        occurredOn: '2026-02-01',
        documentNo: '温质监抽〔2026〕1号',
        summary: '监督抽查合格',
      },
    });
    expect(seeded.statusCode).toBe(201);
    await until(
      'the first grade',
      async () =>
        (await t.request({ method: 'GET', url: `/api/v1/enterprises/${HOME}/classification`, token: admin }))
          .statusCode === 200,
      20_000,
    );
    b = await ConsoleBrowser.start(t);
    page = await b.signIn(REGULATOR.username, REGULATOR.password);
  }, 90_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('finds an enterprise by a fragment of its name, with its grade, and only in the district', async () => {
    const response = await open(page, `/console/enterprises?q=${encodeURIComponent('鹿城')}`);
    const rows = page.locator('#enterprises tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('th').textContent()).toBe('温州市鹿城阀门有限公司');
    expect(await rows.first().textContent()).toContain('B 良好');
    await checkConsolePage(page, response, 'enterprises');

    await open(page, `/console/enterprises?q=${encodeURIComponent('龙湾')}`);
    expect(await page.locator('#no-match').textContent()).toBe('没有找到符合条件的企业。');
    await open(page, `/console/enterprises?q=${HOME.slice(0, 8)}`);
    expect(await page.locator('#enterprises tbody tr').count()).toBe(1);
  });

  it('shows another district’s enterprise as not found', async () => {
    const response = await page.goto(`/console/enterprises/${ELSEWHERE}`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('未找到');
    const grade = await page.goto(`/console/enterprises/${ELSEWHERE}/grade`);
    expect(grade?.status()).toBe(404);
  });

  it('refuses bad input beside each field, in Chinese, and saves nothing', async () => {
    const before = await recordCount();
    const response = await open(page, `/console/records/new?uscc=${HOME}`);
    await checkConsolePage(page, response, 'record-new');
    await page.getByLabel('统一社会信用代码').fill('91330100799655058X');
    await page.getByLabel('发生日期').fill('2026-03-15');
    await Promise.all([page.waitForURL('**/console/records/new'), page.getByRole('button', { name: '保存' }).click()]);
    expect(await page.locator('#e-uscc').textContent()).toContain('统一社会信用代码不正确');
    expect(await page.locator('#e-type').textContent()).toBe('此项必填');
    expect(await page.locator('#e-summary').textContent()).toBe('此项必填');
    expect(await page.locator('#e-documentNo').textContent()).toBe('此项必填');
    expect(await page.getByLabel('发生日期').inputValue()).toBe('2026-03-15');
    await screenshots(page, 'record-new-errors');

    // Well-formed, but before the enterprise was registered: the service's rule, beside 发生日期.
    await fillRecord(page, { uscc: HOME, occurredOn: '2001-01-01', documentNo: '温质监抽〔2026〕9号' });
    await Promise.all([page.waitForURL('**/console/records/new'), page.getByRole('button', { name: '保存' }).click()]);
    expect(await page.locator('#e-occurredOn').textContent()).toBe('发生日期不能早于企业成立日期（2008-05-16）');

    // An enterprise outside the district: beside the code.
    await fillRecord(page, { uscc: ELSEWHERE, occurredOn: '2026-03-15', documentNo: '温质监抽〔2026〕9号' });
    await Promise.all([page.waitForURL('**/console/records/new'), page.getByRole('button', { name: '保存' }).click()]);
    expect(await page.locator('#e-uscc').textContent()).toBe('未找到该企业，或不在您的管辖范围内');

    // The document number of the seeded record again: beside 文号.
    await fillRecord(page, { uscc: HOME, occurredOn: '2026-03-15', documentNo: '温质监抽〔2026〕1号' });
    await Promise.all([page.waitForURL('**/console/records/new'), page.getByRole('button', { name: '保存' }).click()]);
    expect(await page.locator('#e-documentNo').textContent()).toBe('本部门已登记过文号为“温质监抽〔2026〕1号”的记录');
    await screenshots(page, 'record-new-refused');
    expect(await recordCount()).toBe(before);
  });

  it('records a failed spot check and sees the grade move on the file', async () => {
    await open(page, `/console/records/new?uscc=${HOME}`);
    await fillRecord(page, { uscc: HOME, occurredOn: '2026-03-15', documentNo: '温质监抽〔2026〕15号' });
    await Promise.all([
      page.waitForURL((url) => url.pathname === `/console/enterprises/${HOME}`),
      page.getByRole('button', { name: '保存' }).click(),
    ]);
    expect(await page.locator('#saved').textContent()).toContain('信用记录已保存');
    expect(await page.locator('#records').textContent()).toContain('温质监抽〔2026〕15号');
    // 80 + 2 − 15 = 67: C, once the worker has regraded (the fragment polls until then).
    await gradeSettles(page, 'C 警示');
    expect(await page.locator('#factors').textContent()).toContain('监督抽查不合格（扣分）');
    expect(await page.locator('#factors').textContent()).toContain('温质监抽〔2026〕15号');
    const response = await open(page, `/console/enterprises/${HOME}`);
    expect(await gradeText()).toBe('C 警示');
    expect(await page.locator('#grade-chart svg').count()).toBe(1);
    expect(await page.locator('#queries-h').count()).toBe(0);
    await checkConsolePage(page, response, 'enterprise');
  });

  it('withdraws a record with a reason, required, and shows the chain', async () => {
    await open(page, `/console/enterprises/${HOME}`);
    const row = page.locator('#records tbody tr', { hasText: '温质监抽〔2026〕15号' });
    const id = (await row.getAttribute('id'))!.slice(2);
    await Promise.all([page.waitForURL(`**/console/records/${id}/correct`), row.getByRole('link').click()]);
    const response = await open(page, `/console/records/${id}/correct`);
    await checkConsolePage(page, response, 'record-correct');
    const before = await recordCount();
    await page.getByLabel('处理方式').selectOption('withdraw');
    await Promise.all([
      page.waitForURL(`**/console/records/${id}/correct`),
      page.getByRole('button', { name: '保存' }).click(),
    ]);
    expect(await page.locator('#e-reason').textContent()).toBe('此项必填');
    expect(await recordCount()).toBe(before);

    await page.getByLabel('理由').fill('抽样编号录入错误，依复检结果撤回');
    await Promise.all([
      page.waitForURL((url) => url.pathname === `/console/enterprises/${HOME}`),
      page.getByRole('button', { name: '保存' }).click(),
    ]);
    expect(await page.locator('#saved').textContent()).toContain('已撤回');
    expect(await page.locator(`#r-${id}`).getAttribute('data-state')).toBe('superseded');
    const withdrawal = page.locator('#records tbody tr[data-state="withdrawn"]');
    expect(await withdrawal.textContent()).toContain('抽样编号录入错误，依复检结果撤回');
    expect(await withdrawal.textContent()).toContain(`更正第 ${id} 号`);
    await gradeSettles(page, 'B 良好');
    // The history came with the grade (one fragment): B, C, and B again.
    expect(await page.locator('#grade-chart circle').count()).toBe(3);
    await screenshots(page, 'enterprise-withdrawn');
  });

  it('shows the query log to an administrator only, and the record form to regulators only', async () => {
    const reviewer = {
      username: 'file.reviewer',
      password: 'file-password-2',
      role: 'reviewer',
      departmentCode: 'AMR',
    };
    await createUser(t, admin, reviewer);
    const adminPage = await b.signIn(ADMIN.username, ADMIN.password);
    await open(adminPage, `/console/enterprises/${HOME}`);
    expect(await adminPage.locator('#queries-h').textContent()).toBe('查询记录');
    expect(await adminPage.locator('#records th', { hasText: '操作' }).count()).toBe(0);
    const refused = await adminPage.goto('/console/records/new');
    expect(refused?.status()).toBe(403);
    const reviewerPage = await b.signIn(reviewer.username, reviewer.password);
    await open(reviewerPage, `/console/enterprises/${ELSEWHERE}`);
    expect(await reviewerPage.locator('h1').textContent()).toBe('温州市龙湾电器有限公司');
  });
});

/** Waits until the file's grade part shows `grade` and no regrading is pending (htmx polls it meanwhile). */
function gradeSettles(page: Page, grade: string) {
  return page
    .locator('#grade:not([hx-get]) #current-grade')
    .filter({ hasText: new RegExp(`^${grade}$`) })
    .waitFor({ timeout: 20_000 });
}

async function fillRecord(page: Page, r: { uscc: string; occurredOn: string; documentNo: string }) {
  await page.getByLabel('统一社会信用代码').fill(r.uscc);
  await page.getByLabel('记录类别').selectOption('spot_check_fail');
  await page.getByLabel('严重程度').selectOption('serious');
  await page.getByLabel('发生日期').fill(r.occurredOn);
  await page.getByLabel('摘要').fill('监督抽查：阀门产品密封性能不合格');
  await page.getByLabel('文号').fill(r.documentNo);
}
