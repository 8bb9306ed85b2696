import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { readdir, readFile } from 'node:fs/promises';
import { Page } from 'playwright-core';
import { makeUscc } from '../../../src/common/uscc';
import { adminAndRegulator, createUser } from '../../helpers/fixtures';
import { checkConsolePage, ConsoleBrowser, open } from '../../helpers/console';
import { ADMIN, TestApp } from '../../helpers/test-app';

const ENTERPRISES = [makeUscc('330302', 1801), makeUscc('330302', 1802)];
const UNREGISTERED = makeUscc('330302', 1899);
const REGULATOR = { username: 'imports.regulator', password: 'imports-password-1' };

/** 批量导入 in the browser: an xlsx and a GBK CSV with Chinese headers, the live progress bar, the error file. */
describe('console imports', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let page: Page;
  let admin: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    ({ admin } = await adminAndRegulator(t, REGULATOR, ENTERPRISES));
    b = await ConsoleBrowser.start(t);
    page = await b.signIn(REGULATOR.username, REGULATOR.password);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const count = async (table: string) =>
    Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);

  /** Chooses the kind and the file on /console/imports and presses 开始导入. */
  async function upload(name: string, buffer: Buffer, mimeType: string) {
    await open(page, '/console/imports');
    await page.getByLabel('导入内容').selectOption('records');
    await page.getByLabel('导入文件').setInputFiles({ name, mimeType, buffer });
    return Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '开始导入' }).click()]).then(
      ([response]) => response!,
    );
  }

  /** Waits for the progress bar, updated by htmx, to reach 100. */
  async function waitForTheEnd() {
    expect(page.url()).toMatch(/\/console\/imports\/[0-9a-f-]{36}$/);
    expect(await page.locator('[role=progressbar]').getAttribute('aria-valuemin')).toBe('0');
    expect(await page.locator('[role=progressbar]').getAttribute('aria-valuemax')).toBe('100');
    await page.waitForSelector('[role=progressbar][aria-valuenow="100"]', { timeout: 30_000 });
  }

  it('shows the upload form, the templates with Chinese headers and the recent imports', async () => {
    const response = await open(page, '/console/imports');
    expect(await page.locator('h1').textContent()).toBe('批量导入');
    expect(await page.getByRole('button', { name: '开始导入' }).count()).toBe(1);
    const csv = await page.request.get('/console/imports/templates/records.csv');
    expect(csv.status()).toBe(200);
    const bytes = await csv.body();
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('统一社会信用代码,记录类别,发生日期,文号,摘要,严重程度,投诉热线,是否公开');
    const xlsx = await page.request.get('/console/imports/templates/enterprises.xlsx');
    expect(xlsx.headers()['content-type']).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await xlsx.body()) as unknown as ArrayBuffer);
    expect(book.worksheets[0].getRow(1).getCell(2).value).toBe('企业名称');
    expect((await page.request.get('/console/imports/templates/other.csv')).status()).toBe(404);
    await checkConsolePage(page, response, 'imports');
  });

  it('imports an xlsx with Chinese headers, a real date cell and a Chinese category, to 100%', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('记录');
    sheet.addRow(['统一社会信用代码', '记录类别', '发生日期', '文号', '摘要', '严重程度', '是否公开']);
    sheet.addRow([
      ENTERPRISES[0],
      '监督抽查不合格',
      new Date(Date.UTC(2024, 2, 5)),
      '温市监〔2024〕1号',
      '抽查不合格',
      '一般',
      '是',
    ]);
    sheet.getCell('C2').numFmt = 'yyyy-mm-dd';
    sheet.addRow([ENTERPRISES[1], 'quality_award', '2024/4/1', '温市监〔2024〕2号', '质量奖', '', '否']);
    const before = await count('credit_records');
    await upload('抽查记录.xlsx', Buffer.from(await book.xlsx.writeBuffer()), 'application/octet-stream');
    await waitForTheEnd();
    expect((await page.locator('#import-status').textContent())?.trim()).toBe('已完成');
    expect(await page.locator('#imported-rows').textContent()).toBe('2');
    expect(await page.locator('#rejected-rows').textContent()).toBe('0');
    expect(await count('credit_records')).toBe(before + 2);
    const [record] = await t.sql<{ type: string; occurred_on: string; severity: string; disclosed: boolean }>(
      `SELECT type, occurred_on::text, severity, disclosed FROM credit_records WHERE document_no = '温市监〔2024〕1号'`,
    );
    expect(record).toEqual({
      type: 'spot_check_fail',
      occurred_on: '2024-03-05',
      severity: 'general',
      disclosed: true,
    });
    await checkConsolePage(page, await open(page, page.url()), 'import');
  });

  it('imports a GBK CSV with bad rows, and gives the bad rows with a Chinese reason each, UTF-8 with BOM', async () => {
    const csv = [
      '统一社会信用代码,记录类别,发生日期,文号,摘要,严重程度,投诉热线,是否公开',
      `${ENTERPRISES[0]},行政处罚,2024/5/6,温市监罚〔2024〕3号,罚款五千元,严重,,是`,
      `${ENTERPRISES[1]},谣言,2024-05-06,温市监〔2024〕4号,类别不对,,,`,
      `${ENTERPRISES[1]},认证,2024/2/30,温市监〔2024〕5号,日期不对,,,`,
      `${UNREGISTERED},认证,2024-05-06,温市监〔2024〕6号,企业未登记,,,`,
    ].join('\r\n');
    await upload('处罚记录.csv', iconv.encode(csv, 'gbk'), 'text/csv');
    await waitForTheEnd();
    expect(await page.locator('#imported-rows').textContent()).toBe('1');
    expect(await page.locator('#rejected-rows').textContent()).toBe('3');
    expect(await page.locator('table').textContent()).toContain('日期格式不正确');
    await checkConsolePage(page, await open(page, page.url()), 'import-errors');
    // The part htmx polls while the worker runs: the progress bar alone, without the page around it.
    const fragment = await page.request.get(`${page.url()}/progress`);
    expect(await fragment.text()).toMatch(
      /^\s*<section id="import-progress"[^]*role="progressbar"[^]*aria-valuenow="100"/,
    );
    expect(await fragment.text()).not.toContain('<html');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('下载错误明细').click()]);
    const bytes = await readFile((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines).toEqual([
      '统一社会信用代码,记录类别,发生日期,文号,摘要,严重程度,投诉热线,是否公开,错误原因',
      expect.stringMatching(
        /^[0-9A-Z]{18},谣言,2024-05-06,温市监〔2024〕4号,类别不对,,,,记录类别：应为以下之一：监督抽查合格、监督抽查不合格、/,
      ),
      `${ENTERPRISES[1]},认证,2024/2/30,温市监〔2024〕5号,日期不对,,,,发生日期：日期格式不正确：应为 YYYY-MM-DD、YYYY/M/D 或 Excel 日期`,
      `${UNREGISTERED},认证,2024-05-06,温市监〔2024〕6号,企业未登记,,,,统一社会信用代码：企业 ${UNREGISTERED} 未登记`,
    ]);
  });

  it('refuses a file it cannot read with a clear message beside the field, recording and storing nothing', async () => {
    const imports = await count('imports');
    const files = (await readdir(t.config.UPLOAD_DIR)).length;
    const broken = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 9)]);
    const response = await upload('坏文件.xlsx', broken, 'application/octet-stream');
    expect(response.status()).toBe(400);
    expect(await page.locator('#e-file').textContent()).toContain('无法读取该 xlsx 文件');
    await checkConsolePage(page, response, 'imports-refused');

    const wrong = await upload('表头不对.csv', Buffer.from('名称,日期\n甲,2024-01-01\n'), 'text/csv');
    expect(wrong.status()).toBe(400);
    expect(await page.locator('#e-file').textContent()).toContain('缺少必填的列：统一社会信用代码、记录类别');

    expect(await count('imports')).toBe(imports);
    expect((await readdir(t.config.UPLOAD_DIR)).length).toBe(files);
  });

  it('shows imports to an admin without the upload form, and refuses them to a reviewer', async () => {
    const adminPage = await b.signIn(ADMIN.username, ADMIN.password);
    await open(adminPage, '/console/imports');
    expect(await adminPage.getByRole('button', { name: '开始导入' }).count()).toBe(0);
    expect(await adminPage.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    await adminPage.context().close();
    const reviewer = await createUser(t, admin, {
      username: 'imports.reviewer',
      password: 'imports-password-2',
      role: 'reviewer',
      departmentCode: 'QTS',
    });
    const refused = await t.request({
      method: 'GET',
      url: '/console/imports',
      headers: { cookie: `qc_session=${reviewer}` },
    });
    expect(refused.statusCode).toBe(403);
  });
});
