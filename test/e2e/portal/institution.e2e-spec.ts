import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { readFile } from 'node:fs/promises';
import { Download, Page } from 'playwright-core';
import { makeUscc } from '../../../src/common/uscc';
import { checkConsolePage, ConsoleBrowser, open, screenshots, submit, text } from '../../helpers/console';
import { createKey, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { zipBombXlsx } from '../../helpers/zip-bomb';

/**
 * The institution portal in a real browser: a bank's user looks a code up with a purpose, screens
 * a file of 10 000 codes and downloads the results, keeps its watchlist, and reads its query log;
 * files that are not what they claim are refused with nothing stored or logged; another bank's
 * result is the 404 page.
 */
const BANK = { name: '温州银行', kind: 'bank', departmentCode: 'PBOC' };
const OTHER_BANK = { name: '瓯海农商银行', kind: 'bank', departmentCode: 'PBOC' };
const USER = { username: 'bank.officer', password: 'bank-officer-1', role: 'institution' };
const OTHER_USER = { username: 'other.officer', password: 'other-officer-1', role: 'institution' };

/** Registered enterprises: grades by number (A, B, C, D, none), the first two blacklisted. */
const REGISTERED = Array.from({ length: 3_000 }, (_, i) => makeUscc('330302', 7_000_000 + i));
const GRADE_OF = (i: number) => (['A', 'B', 'C', 'D', null] as const)[i % 5];
const BLACKLISTED = REGISTERED.slice(0, 2);
const UNKNOWN = Array.from({ length: 6_990 }, (_, i) => makeUscc('330303', 8_000_000 + i));
/** Not credit codes: too short, a letter outside the alphabet, a wrong check character, … */
const INVALID = [
  'ABC',
  '91330302MA2L8KXX1',
  `${REGISTERED[5].slice(0, 17)}${REGISTERED[5][17] === '0' ? '1' : '0'}`,
  '9133030207000005OZ',
  '统一社会信用代码错',
  '12345678901234567890',
  'X',
  '00000000000000000',
  '9133030',
  'ZZZZZZZZZZZZZZZZZZ',
];

describe('institution portal', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let page: Page;
  let institutionId: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    const admin = await t.loginAdmin();
    ({ institutionId } = await createKey(t, admin, ['status:read'], BANK));
    const other = await createKey(t, admin, ['status:read'], OTHER_BANK);
    await createUser(t, admin, { ...USER, institutionId });
    await createUser(t, admin, { ...OTHER_USER, institutionId: other.institutionId });
    await t.sql(
      `INSERT INTO enterprises (uscc, name, district_code, registered_on)
       SELECT u, '筛查测试企业' || n, '330302', DATE '2010-01-01' FROM unnest($1::text[]) WITH ORDINALITY AS x(u, n)`,
      [REGISTERED],
    );
    await t.sql(
      `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, computed_at)
       SELECT e.id, g.grade, 70, 1, '[]', now()
         FROM unnest($1::text[], $2::text[]) AS g(uscc, grade) JOIN enterprises e ON e.uscc = g.uscc
        WHERE g.grade IS NOT NULL`,
      [REGISTERED, REGISTERED.map((_, i) => GRADE_OF(i))],
    );
    const [{ id: adminId }] = await t.sql<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`);
    await t.sql(
      `INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
         status, department_code, proposed_by, proposed_at, noticed_at, objection_deadline, published_at,
         earliest_repair_date, expires_at)
       SELECT e.id, '330302', 'substandard_products', '第九条', '三次抽查不合格', 36, 'published', 'AMR', $2,
         '2025-11-01T10:00:00+08:00', '2025-11-02T10:00:00+08:00', '2025-11-17T00:00:00+08:00',
         '2026-01-01T00:00:00+08:00', '2027-01-01', '2029-01-02T00:00:00+08:00'
         FROM enterprises e WHERE e.uscc = ANY($1::text[])`,
      [BLACKLISTED, adminId],
    );
    b = await ConsoleBrowser.start(t);
    page = await b.signIn(USER.username, USER.password);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const count = async (table: string, where = 'true', values: unknown[] = []) =>
    Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, values))[0].n);
  const logged = () => count('credit_queries', 'institution_id = $1', [institutionId]);

  /** Reads a finished download's bytes. */
  const bytesOf = async (download: Download) => readFile((await download.path())!);

  describe('信用查询', () => {
    it('looks a code up with its purpose, as a person reads the answer, and logs it as the API does', async () => {
      expect(new URL(page.url()).pathname).toBe('/portal/institution');
      const response = await open(page, '/portal/institution');
      expect(await page.locator('h1').textContent()).toBe('信用查询');
      await checkConsolePage(page, response, 'portal-institution-lookup');

      await page.getByLabel('统一社会信用代码').fill(BLACKLISTED[0]);
      await page.getByLabel('查询目的').selectOption({ label: '贷款申请' });
      const answer = await submit(page, '查询');
      expect(answer.status()).toBe(200);
      expect(await text(page, '#result-name')).toBe('筛查测试企业1');
      expect(await text(page, '#result-uscc')).toBe(BLACKLISTED[0]);
      expect(await text(page, '#result-grade')).toBe('A 守信');
      expect(await text(page, '#result-blacklist')).toBe('已列入（1 项）');
      expect(await text(page, '#result-as-of')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      expect(await page.locator('#result table').textContent()).toContain('2026-01-01');
      // A listed entry's end is when its listing runs out, not a removal.
      expect((await page.locator('#result thead th').allTextContents()).map((h) => h.trim())).toEqual([
        '列入事由',
        '公布日期',
        '列入期限至',
      ]);
      await checkConsolePage(page, answer, 'portal-institution-lookup-result');
      const [row] = await t.sql<{ purpose: string; uscc: string; user_id: string | null; api_key_id: string | null }>(
        `SELECT purpose, uscc, user_id, api_key_id FROM credit_queries WHERE institution_id = $1`,
        [institutionId],
      );
      expect(row).toMatchObject({ purpose: 'loan_application', uscc: BLACKLISTED[0], api_key_id: null });
      expect(row.user_id).not.toBeNull();

      // A D enterprise, not blacklisted; a credit code of no enterprise is told (404) and logged too.
      await page.getByLabel('统一社会信用代码').fill(REGISTERED[3].toLowerCase());
      await page.getByLabel('查询目的').selectOption({ label: '纳税评估' });
      await submit(page, '查询');
      expect([await text(page, '#result-grade'), await text(page, '#result-blacklist')]).toEqual(['D 失信', '未列入']);
      await page.getByLabel('统一社会信用代码').fill(UNKNOWN[0]);
      const unknown = await submit(page, '查询');
      expect(unknown.status()).toBe(404);
      expect(await text(page, '#not-found')).toContain(`代码 ${UNKNOWN[0]} 下没有登记的企业`);
      expect(await logged()).toBe(3);
    });

    it('refuses a code that is none or a missing purpose beside the field, 400, logging nothing', async () => {
      await open(page, '/portal/institution');
      await page.getByLabel('统一社会信用代码').fill('91330302MA2L8KXX1');
      await page.getByLabel('查询目的').selectOption({ label: '政府采购' });
      const bad = await submit(page, '查询');
      expect(bad.status()).toBe(400);
      expect(await text(page, '#e-uscc')).toBe('统一社会信用代码不正确：应为 18 位，实为 17 位');
      expect(await page.getByLabel('统一社会信用代码').getAttribute('aria-invalid')).toBe('true');
      await checkConsolePage(page, bad, 'portal-institution-lookup-error');

      await page.getByLabel('统一社会信用代码').fill(REGISTERED[1]);
      await page.getByLabel('查询目的').selectOption({ value: '' });
      const noPurpose = await submit(page, '查询');
      expect(noPurpose.status()).toBe(400);
      expect(await text(page, '#e-purpose')).toBe('此项必填');
      expect(await page.getByLabel('统一社会信用代码').inputValue()).toBe(REGISTERED[1]);
      expect(await logged()).toBe(3);
    });
  });

  describe('批量筛查', () => {
    let resultPath: string;

    /**
     * Chooses the purpose and the file on the batch page and presses 开始筛查; a file taken, waits
     * for the result page's progress bar, updated by htmx, to reach 100 and the page to show the counts.
     */
    async function screen(name: string, buffer: Buffer, purpose = '贷后检查') {
      await open(page, '/portal/institution/batch');
      await page.getByLabel('查询目的').selectOption({ label: purpose });
      await page.getByLabel('代码文件').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
      const response = await submit(page, '开始筛查');
      if (response.status() === 303) {
        expect(new URL(page.url()).pathname).toMatch(/^\/portal\/institution\/batch\/[0-9a-f-]{36}$/);
        expect(await page.locator('[role=progressbar]').getAttribute('aria-valuemax')).toBe('100');
        await page.waitForSelector('[role=progressbar][aria-valuenow="100"]', { timeout: 30_000 });
        await page.waitForSelector('#count-screened', { timeout: 30_000 });
      }
      return response;
    }

    it('screens an xlsx of 10 000 codes and shows the counts, the invalid rows and the blacklisted', async () => {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('客户');
      sheet.addRow(['统一社会信用代码']);
      // Registered and unknown codes interleaved, the invalid ones at known rows.
      const codes = [...REGISTERED, ...UNKNOWN].sort();
      INVALID.forEach((bad, i) => codes.splice(1_000 * i + 7, 0, bad));
      for (const code of codes) sheet.addRow([code]);
      expect(codes.length).toBe(10_000);
      const file = Buffer.from(await book.xlsx.writeBuffer());
      const before = await logged();

      const started = performance.now();
      const response = await screen('客户名单.xlsx', file);
      const seconds = (performance.now() - started) / 1000;
      const answered = response.request().timing().responseStart / 1000;
      console.log(
        `screening 10 000 codes from an xlsx (${file.length} bytes): upload answered in ${answered.toFixed(2)} s, ` +
          `results shown after ${seconds.toFixed(2)} s`,
      );
      expect(response.status()).toBe(303);
      resultPath = new URL(page.url()).pathname;
      expect(await text(page, '#screening-status')).toBe('已完成');

      expect(await page.locator('h1').textContent()).toBe('筛查结果');
      expect(await text(page, '#count-screened')).toBe('10000');
      expect(await text(page, '#count-found')).toBe('3000');
      expect(await text(page, '#count-not-found')).toBe('6990');
      expect(await text(page, '#count-invalid')).toBe('10');
      expect(await text(page, '#count-blacklisted')).toBe('2');
      expect(await Promise.all(['A', 'B', 'C', 'D', 'none'].map((g) => text(page, `#grade-${g}`)))).toEqual([
        '600',
        '600',
        '600',
        '600',
        '600',
      ]);
      // Invalid codes with their rows in the file (the header is row 1).
      const invalidRows = await page.locator('#invalid tbody tr').allTextContents();
      expect(invalidRows).toHaveLength(10);
      expect(invalidRows[0]).toMatch(/^\s*9\s*ABC\s*应为 18 位，实为 3 位/);
      expect(invalidRows[2]).toContain('校验位（第 18 位）与前 17 位不符');
      expect(await page.locator('#blacklisted tbody tr').count()).toBe(2);
      // Every distinct credit code asked is in the log with the purpose, as the API's batch logs it.
      expect(await logged()).toBe(before + 9_990);
      expect(
        await count('credit_queries', `institution_id = $1 AND purpose = 'loan_review' AND user_id IS NOT NULL`, [
          institutionId,
        ]),
      ).toBe(9_990);
      await checkConsolePage(page, await open(page, resultPath), 'portal-institution-screening');
      // The part htmx polls while the screening runs: the progress bar alone; once ended, a reload.
      const fragment = await page.request.get(`${resultPath}/progress`);
      expect(fragment.headers()['hx-refresh']).toBe('true');
      expect(await fragment.text()).toMatch(/^\s*<section id="screening-progress"[^]*aria-valuenow="100"/);
      expect(await fragment.text()).not.toContain('<html');
    });

    it('downloads the results as xlsx and as CSV (UTF-8 with BOM, Chinese headers), a row per row of the file', async () => {
      await open(page, resultPath);
      const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByText('下载 Excel（xlsx）').click()]);
      expect(xlsx.suggestedFilename()).toBe('客户名单-筛查结果.xlsx');
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await bytesOf(xlsx)) as unknown as ArrayBuffer);
      const sheet = book.worksheets[0];
      expect(sheet.rowCount).toBe(10_001);
      expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([
        '行号',
        '文件中的内容',
        '统一社会信用代码',
        '企业名称',
        '查询结果',
        '信用等级',
        '严重质量失信黑名单',
        '黑名单事项',
        '原因',
      ]);
      const rows = new Map<string, unknown[]>();
      sheet.eachRow((row) => rows.set(String(row.getCell(2).value), (row.values as unknown[]).slice(1)));
      expect(rows.get(BLACKLISTED[1])).toEqual([
        expect.any(Number),
        BLACKLISTED[1],
        BLACKLISTED[1],
        '筛查测试企业2',
        '已登记',
        'B 良好',
        '是',
        1,
        '',
      ]);
      expect(rows.get(REGISTERED[4])?.slice(4, 8)).toEqual(['已登记', '尚未评级', '否', 0]);
      expect(rows.get(UNKNOWN[10])?.slice(2, 5)).toEqual([UNKNOWN[10], '', '未登记']);
      expect(rows.get('ABC')).toEqual([9, 'ABC', '', '', '代码无效', '', '', '', '应为 18 位，实为 3 位']);

      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByText('下载 CSV').click()]);
      expect(csv.suggestedFilename()).toBe('客户名单-筛查结果.csv');
      const bytes = await bytesOf(csv);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
      expect(lines).toHaveLength(10_001);
      expect(lines[0]).toBe(
        '行号,文件中的内容,统一社会信用代码,企业名称,查询结果,信用等级,严重质量失信黑名单,黑名单事项,原因',
      );
      expect(lines).toContain(`9,ABC,,,代码无效,,,,应为 18 位，实为 3 位`);
      expect(lines.find((l) => l.includes(BLACKLISTED[0]))).toMatch(
        new RegExp(`^\\d+,${BLACKLISTED[0]},${BLACKLISTED[0]},筛查测试企业1,已登记,A 守信,是,1,$`),
      );
    });

    it('reads a GBK CSV without a header, and a UTF-8 one with a BOM and the English header', async () => {
      const gbk = iconv.encode(`${REGISTERED[2]}\r\n${UNKNOWN[1]}\r\n坏代码\r\n`, 'gbk');
      await screen('名单.csv', gbk, '其他');
      expect([await text(page, '#count-screened'), await text(page, '#count-found')]).toEqual(['3', '1']);
      expect(await page.locator('#invalid tbody').textContent()).toContain('坏代码');
      const utf8 = Buffer.from(`\uFEFFuscc\n${REGISTERED[2]}\n${REGISTERED[3]}\n`, 'utf8');
      await screen('list.csv', utf8, '其他');
      expect([await text(page, '#count-screened'), await text(page, '#count-found')]).toEqual(['2', '2']);
    });

    it('refuses a zip bomb, a program named .xlsx, a file too large, too many codes and too many columns, storing and logging nothing', async () => {
      const small = new ExcelJS.Workbook();
      small.addWorksheet('a').addRow([REGISTERED[0]]);
      const bomb = await zipBombXlsx(Buffer.from(await small.xlsx.writeBuffer()));
      const program = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(4_000, 1)]);
      const huge = Buffer.alloc(11 * 1024 * 1024, `${REGISTERED[0]}\n`);
      const tooMany = Buffer.from(Array.from({ length: 10_001 }, (_, i) => UNKNOWN[i % UNKNOWN.length]).join('\n'));
      const wide = Buffer.from(`企业名称,代码\n甲,${REGISTERED[0]}\n`);
      const screenings = await count('credit_screenings');
      const queries = await logged();
      const cases: [string, Buffer, number, string][] = [
        ['炸弹.xlsx', bomb, 400, '该 xlsx 文件解压后过大'],
        ['setup.xlsx', program, 400, '无法读取该文件：它既不是 CSV 也不是 xlsx 工作簿'],
        ['huge.csv', huge, 413, '文件超过 10 MB'],
        ['many.csv', tooMany, 400, '文件中的代码超过 10\u00a0000 个'],
        ['wide.csv', wide, 400, '文件有 2 列：请只保留统一社会信用代码一列'],
      ];
      for (const [name, buffer, status, message] of cases) {
        const refused = await screen(name, buffer);
        expect([name, refused.status()]).toEqual([name, status]);
        expect([name, await text(page, '#e-file')]).toEqual([name, expect.stringContaining(message)]);
        if (name === '炸弹.xlsx') await checkConsolePage(page, refused, 'portal-institution-batch-refused');
      }
      expect(await count('credit_screenings')).toBe(screenings);
      expect(await logged()).toBe(queries);
      // Nothing of the files is left in the upload directory.
      const { readdir } = await import('node:fs/promises');
      expect((await readdir(t.config.UPLOAD_DIR).catch(() => [])).filter((f) => f.endsWith('.codes'))).toEqual([]);
    });

    it('lists the screenings on the batch page, and shows another bank its 404 page for this one', async () => {
      const response = await open(page, '/portal/institution/batch');
      expect(await page.locator('table').textContent()).toContain('客户名单.xlsx');
      await checkConsolePage(page, response, 'portal-institution-batch');

      const other = await b.signIn(OTHER_USER.username, OTHER_USER.password);
      for (const path of [resultPath, `${resultPath}/results.xlsx`, `${resultPath}/results.csv`]) {
        const refused = await other.goto(path);
        expect([path, refused?.status()]).toEqual([path, 404]);
      }
      await other.goto(resultPath);
      expect(await other.locator('h1').textContent()).toBe('未找到');
      await screenshots(other, 'portal-institution-screening-404');
      expect(await other.locator('body').textContent()).not.toContain('客户名单');
      const own = await open(other, '/portal/institution/batch');
      expect(own.status()).toBe(200);
      expect(await other.locator('body').textContent()).toContain('还没有筛查过');
      await other.context().close();
    });
  });

  describe('关注名单', () => {
    async function upload(name: string, buffer: Buffer, mode: '加入现有名单' | '替换整个名单') {
      await open(page, '/portal/institution/watchlist');
      await page.getByLabel('代码文件').setInputFiles({ name, mimeType: 'text/csv', buffer });
      await page.getByLabel('处理方式').selectOption({ label: mode });
      return submit(page, '上传');
    }
    /** The watchlist's audit entries, written or still pending. */
    const audits = async () =>
      (await count('audit_events', `entity_type = 'watchlist' AND entity_id = $1`, [institutionId])) +
      (await count('audit_pending', `entity_type = 'watchlist' AND entity_id = $1`, [institutionId]));
    const watched = async () =>
      (
        await t.sql<{ uscc: string }>(`SELECT uscc FROM watchlist_items WHERE institution_id = $1 ORDER BY uscc`, [
          institutionId,
        ])
      ).map((r) => r.uscc);

    it('adds a file of codes, replaces the list with another, removes one and downloads the rest', async () => {
      const empty = await open(page, '/portal/institution/watchlist');
      expect(await text(page, '#watched-count')).toBe('0');
      await checkConsolePage(page, empty, 'portal-institution-watchlist-empty');

      const first = iconv.encode(['统一社会信用代码', ...REGISTERED.slice(0, 5), UNKNOWN[0]].join('\r\n'), 'gbk');
      expect((await upload('关注.csv', first, '加入现有名单')).status()).toBe(303);
      expect(await text(page, '#done')).toBe('已加入 6 个代码，名单现有 6 个。');
      expect(await text(page, '#watched-count')).toBe('6');

      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('名单');
      for (const code of [REGISTERED[0], REGISTERED[10], REGISTERED[11]]) sheet.addRow([code]);
      await upload('新名单.xlsx', Buffer.from(await book.xlsx.writeBuffer()), '替换整个名单');
      expect(await text(page, '#done')).toBe('名单已替换：现有 3 个代码（新增 2 个，移除 5 个）。');
      expect(await text(page, '#watched-count')).toBe('3');
      expect(await watched()).toEqual([REGISTERED[0], REGISTERED[10], REGISTERED[11]].sort());
      await checkConsolePage(page, await open(page, '/portal/institution/watchlist'), 'portal-institution-watchlist');

      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('done') === 'removed'),
        page.getByRole('button', { name: `移除 ${REGISTERED[10]}` }).click(),
      ]);
      expect(await text(page, '#done')).toBe(`已从名单中移除 ${REGISTERED[10]}。`);
      expect(await text(page, '#watched-count')).toBe('2');
      expect(await audits()).toBe(3);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('下载名单（CSV）').click()]);
      const bytes = await bytesOf(download);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
      expect(lines[0]).toBe('统一社会信用代码,加入时间');
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([REGISTERED[0], REGISTERED[11]].sort());
    });

    it('refuses a file with a bad code whole, naming its row, and changes nothing', async () => {
      const before = await watched();
      const audited = await audits();
      const refused = await upload('坏.csv', Buffer.from(`${UNKNOWN[5]}\n${UNKNOWN[6]}\nABC\n`), '替换整个名单');
      expect(refused.status()).toBe(400);
      expect(await text(page, '#e-file')).toBe('文件中有 1 个无效代码，名单未做任何更改：第 3 行“ABC”');
      expect(await text(page, '#watched-count')).toBe(String(before.length));
      expect(await watched()).toEqual(before);
      expect(await audits()).toBe(audited);
      const exe = await upload('list.xlsx', Buffer.from('MZ this program cannot be run in DOS mode'), '加入现有名单');
      expect(exe.status()).toBe(400);
      expect(await text(page, '#e-file')).toContain('既不是 CSV 也不是 xlsx');
      expect(await watched()).toEqual(before);
    });
  });

  describe('查询记录', () => {
    it('shows the institution its own lookups, newest first, by purpose and dates', async () => {
      const response = await open(page, '/portal/institution/queries');
      expect(await page.locator('h1').textContent()).toBe('查询记录');
      const total = await logged();
      expect(await text(page, '#query-total')).toBe(`共 ${total} 条`);
      expect(await page.locator('#queries tbody tr').count()).toBe(50);
      await checkConsolePage(page, response, 'portal-institution-queries');

      await page.getByLabel('查询目的').selectOption({ label: '贷款申请' });
      await Promise.all([
        page.waitForURL(/purpose=loan_application/),
        page.getByRole('button', { name: '筛选' }).click(),
      ]);
      expect(await text(page, '#query-total')).toBe('共 1 条');
      const [row] = await page.locator('#queries tbody tr').allTextContents();
      expect(row).toContain(BLACKLISTED[0]);
      expect(row).toContain('筛查测试企业1');
      expect(row).toContain('网页');

      await open(page, '/portal/institution/queries?purpose=tax_assessment&from=2020-01-01&to=2099-12-31');
      expect(await text(page, '#query-total')).toBe('共 2 条');
      expect(await page.locator('#queries tbody').textContent()).toContain('（未登记）');
      await open(page, '/portal/institution/queries?from=2099-01-01');
      expect(await text(page, '#query-total')).toBe('共 0 条');
      const bad = await page.goto('/portal/institution/queries?from=2026-13-01');
      expect(bad?.status()).toBe(400);
      expect(await text(page, '#e-from')).toBe('日期格式应为 YYYY-MM-DD');

      // Another bank sees none of them.
      const other = await b.signIn(OTHER_USER.username, OTHER_USER.password);
      await open(other, '/portal/institution/queries');
      expect(await text(other, '#query-total')).toBe('共 0 条');
      // The pages in English, on request.
      const english = await open(other, '/portal/institution?lang=en');
      expect(await other.locator('h1').textContent()).toBe('Credit lookup');
      expect(await other.getByLabel('Purpose').locator('option').allTextContents()).toContain('loan application');
      await checkConsolePage(other, english, 'portal-institution-lookup-en');
      await open(other, '/portal/institution/watchlist');
      expect(await other.locator('h1').textContent()).toBe('Watchlist');
      await other.context().close();
    });
  });
});
