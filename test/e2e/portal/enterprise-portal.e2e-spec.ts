import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { ARTIFACTS, checkConsolePage, ConsoleBrowser, open, submit, text } from '../../helpers/console';
import { CODES, createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

const USCC = CODES.wenzhouLike;
const OTHER = CODES.shenzhen;
const PASSWORD = 'enterprise-pass-1';
const STAFF_PASSWORD = 'blacklist-pass-1';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(512, 1)]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * 企业自助 in Chromium: an enterprise reads its grade and what would raise it, its records, its
 * matters with their deadlines in working days and who looked it up; it objects with evidence
 * before the deadline (a renamed .exe and a 50 MB file refused beside the field, nothing stored)
 * and is refused after it; a reviewer sees the objection's file in the console and downloads it;
 * once listed, the enterprise applies for repair accepting the commitment and sees the decision;
 * it issues and downloads its signed report; another enterprise's matter and file are 404.
 */
describe('enterprise portal', () => {
  // Monday 1 June 2026, 10:00 in Beijing: ten working days to object run to 15 June, 24:00.
  const clock = new TestClock(new Date('2026-06-01T02:00:00Z'));
  let t: TestApp;
  let w: BlacklistWorld;
  let b: ConsoleBrowser;
  let mine: string;
  let theirs: string;
  let big: string;

  const evidenceDir = () => t.config.EVIDENCE_DIR;
  const storedFiles = () => (existsSync(evidenceDir()) ? readdirSync(evidenceDir()) : []);
  const fileRows = () =>
    t.sql<{ id: string; original_name: string; content_type: string; size_bytes: number; sha256: string }>(
      `SELECT id::text, original_name, content_type, size_bytes, sha256 FROM blacklist_evidence_files ORDER BY original_name`,
    );
  const signIn = (uscc: string) => b.signIn(`ent.${uscc}`, PASSWORD);

  /** Chooses files for the evidence field and posts the form, answering the post's response. */
  async function fileForm(page: Page, button: string, files: Parameters<Page['setInputFiles']>[1]) {
    await page.getByLabel('证明材料（选填）').setInputFiles(files);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.waitForURL(() => true, { waitUntil: 'load' }),
      page.getByRole('button', { name: button, exact: true }).click(),
    ]);
    await page.waitForLoadState('load');
    return response;
  }

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, [USCC, OTHER]);
    const regulator = await w.token('proposer');
    for (const record of [
      {
        type: 'certification',
        occurredOn: '2026-03-02',
        documentNo: 'CQC-2026-0031',
        summary: 'ISO 9001 质量管理体系认证',
      },
      {
        type: 'spot_check_fail',
        severity: 'general',
        occurredOn: '2026-04-20',
        documentNo: '温市监抽〔2026〕12号',
        summary: '阀门密封性能不合格',
      },
    ]) {
      const res = await t.request({
        method: 'POST',
        url: `/api/v1/enterprises/${USCC}/records`,
        token: regulator,
        body: record,
      });
      expect(res.statusCode).toBe(201);
    }
    const admin = await t.loginAdmin();
    const { key } = await createKey(t, admin, ['status:read']);
    // 21 look-ups: a page of 20 and one more; the newest, five minutes later, for a loan.
    for (const purpose of [...Array<string>(20).fill('tax_assessment'), 'loan_application']) {
      if (purpose === 'loan_application') clock.set('2026-06-01T02:05:00Z');
      const lookup = await t.request({
        method: 'GET',
        url: `/api/v1/credit-status/${USCC}?purpose=${purpose}`,
        headers: { 'x-api-key': key },
      });
      expect(lookup.statusCode).toBe(200);
    }
    clock.set('2026-06-01T02:00:00Z');
    mine = await w.propose(USCC);
    theirs = await w.propose(OTHER);
    for (const id of [mine, theirs])
      await w.expect(200, 'proposer', `/blacklist/${id}/notice`, {
        note: '已送达',
        documentRef: '温市监告字〔2026〕3号',
      });
    await w.grade(USCC, 'B');
    big = join(tmpdir(), `evidence-50mb-${process.pid}.pdf`);
    writeFileSync(big, Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(50 * 1024 * 1024, 0x20)]));
    b = await ConsoleBrowser.start(t);
  }, 90_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
    if (big) await rm(big, { force: true });
  });

  it('lands on 信用概况 with the grade, its factors and what would raise it, from the rule set', async () => {
    const page = await signIn(USCC);
    expect(new URL(page.url()).pathname).toBe('/portal/enterprise');
    const response = await open(page, '/portal/enterprise');
    expect(await text(page, 'h1')).toBe('信用概况');
    expect(await text(page, '#current-grade')).toBe('B 良好');
    expect(await page.locator('#factors').textContent()).toContain('监督抽查不合格（扣分）');
    expect(await text(page, '.advice-score li')).toBe('现得分 75（基础分 80）。A 级需 90 分以上，还差 15 分。');
    expect(await page.locator('.advice-gain').textContent()).toContain(
      '认证：每项 +3 分，36 个月内计分，合计最多 +9 分（现已 +3，还可 +6）。',
    );
    expect(await text(page, '.advice-ease li')).toContain('最早一条自 2027-04-20 起减轻，2029-04-20 起不再计分');
    await checkConsolePage(page, response, 'portal-enterprise-home');
    // In English too, the advice from the same rule set.
    await open(page, '/portal/enterprise?lang=en');
    expect(await text(page, 'h1')).toBe('Credit overview');
    expect(await text(page, '.advice-score li')).toBe('The score is 75 (base 80). Grade A needs 90 or more: 15 to go.');
    await open(page, '/portal/enterprise?lang=zh');

    const records = await open(page, '/portal/enterprise/records');
    expect(await page.locator('#records tbody tr').count()).toBe(2);
    expect(await text(page, '#records tbody tr:first-child td >> nth=0')).toBe('监督抽查不合格（一般）');
    // The department by its name, in the page's language, not its code.
    expect(await text(page, '#records tbody tr:first-child td >> nth=4')).toBe('温州市市场监督管理局');
    await checkConsolePage(page, records, 'portal-enterprise-records');
    // English takes its own punctuation.
    await open(page, '/portal/enterprise/records?lang=en');
    expect(await text(page, '#records tbody tr:first-child td >> nth=0')).toBe('Spot check failed (general)');
    expect(await text(page, '#records tbody tr:first-child td >> nth=4')).toBe(
      'Wenzhou Market Supervision Administration',
    );
    await open(page, '/portal/enterprise/queries?lang=en');
    expect(await text(page, '#queries tbody tr >> nth=0')).toMatch(/^2026-06-01 10:05\s+温州银行 \(bank\)\s+/);
    await open(page, '/portal/enterprise?lang=zh');

    const queries = await open(page, '/portal/enterprise/queries');
    expect(await page.locator('#queries tbody tr').count()).toBe(20);
    expect(await text(page, '#queries tbody tr >> nth=0')).toMatch(
      /^2026-06-01 10:05\s+温州银行（金融机构）\s+贷款申请$/,
    );
    expect(await text(page, 'nav.pager span')).toBe('第 1 / 2 页');
    await checkConsolePage(page, queries, 'portal-enterprise-queries');
    await Promise.all([page.waitForURL('**/queries?page=2'), page.getByRole('link', { name: '下一页' }).click()]);
    expect(await page.locator('#queries tbody tr').count()).toBe(1);
    expect(await text(page, '#queries tbody tr td >> nth=1')).toBe('纳税评估');
    await page.context().close();
  });

  it('lists its own matters only, with the objection deadline in working days', async () => {
    const page = await signIn(USCC);
    const response = await open(page, '/portal/enterprise/entries');
    expect(await page.locator('#entries tbody tr').count()).toBe(1);
    expect(await text(page, '#entries .deadline-objection')).toBe('陈述申辩截止 2026-06-15 24:00 · 还有 10 个工作日');
    await checkConsolePage(page, response, 'portal-enterprise-entries');
    await page.context().close();
  });

  it('refuses a renamed .exe and a 50 MB file beside the field and keeps nothing', async () => {
    const page = await signIn(USCC);
    const entry = await open(page, `/portal/enterprise/entries/${mine}`);
    expect(await text(page, '#days-left')).toBe('还有 10 个工作日');
    await checkConsolePage(page, entry, 'portal-enterprise-entry-noticed');
    await page.getByLabel('陈述申辩内容').fill('三次抽查中有一次样品并非本企业生产，申请复核。');

    const exe = await fileForm(page, '提交陈述申辩', [
      { name: '检测报告.pdf', mimeType: 'application/pdf', buffer: EXE },
    ]);
    expect(exe.status()).toBe(400);
    expect(await text(page, '#e-files')).toBe(
      '「检测报告.pdf」不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与扩展名无关）。本次未提交任何内容',
    );
    expect(await page.getByLabel('陈述申辩内容').inputValue()).toBe('三次抽查中有一次样品并非本企业生产，申请复核。');
    await checkConsolePage(page, exe, 'portal-enterprise-objection-refused');

    const tooBig = await fileForm(page, '提交陈述申辩', big);
    expect(tooBig.status()).toBe(413);
    expect(await text(page, '#e-files')).toMatch(/^「evidence-50mb-\d+\.pdf」超过 10 MB。本次未提交任何内容$/);

    const six = await fileForm(
      page,
      '提交陈述申辩',
      [1, 2, 3, 4, 5, 6].map((n) => ({ name: `照片${n}.png`, mimeType: 'image/png', buffer: PNG })),
    );
    expect(six.status()).toBe(400);
    expect(await text(page, '#e-files')).toBe('最多可附 5 个文件，本次选择了 6 个。本次未提交任何内容');

    expect(await fileRows()).toEqual([]);
    expect(await t.sql(`SELECT id FROM blacklist_objections`)).toEqual([]);
    expect(storedFiles()).toEqual([]);
    await page.context().close();
  });

  it('files an objection with a PDF before the deadline: the file on disk, its SHA-256 in the row', async () => {
    const page = await signIn(USCC);
    await open(page, `/portal/enterprise/entries/${mine}`);
    await page.getByLabel('陈述申辩内容').fill('三次抽查中有一次样品并非本企业生产，申请复核。');
    const filed = await fileForm(page, '提交陈述申辩', [
      { name: '样品来源说明.pdf', mimeType: 'application/pdf', buffer: PDF },
      { name: '送检单.png', mimeType: 'image/png', buffer: PNG },
    ]);
    expect(filed.status()).toBe(303);
    expect(new URL(page.url()).search).toBe('?filed=objection');
    expect(await text(page, '#filed')).toBe('陈述申辩已提交，等待审核。');
    expect(await text(page, '#filings tbody tr .outcome')).toBe('待决定');

    const rows = await fileRows();
    expect(rows.map((r) => [r.original_name, r.content_type, r.size_bytes, r.sha256])).toEqual([
      ['样品来源说明.pdf', 'application/pdf', PDF.length, sha256(PDF)],
      ['送检单.png', 'image/png', PNG.length, sha256(PNG)],
    ]);
    for (const row of rows) expect(sha256(readFileSync(join(evidenceDir(), row.id)))).toBe(row.sha256);
    expect(storedFiles().sort()).toEqual(rows.map((r) => r.id).sort());

    // Its own file comes back as a download, sniffing off.
    const link = page.getByRole('link', { name: '样品来源说明.pdf' });
    const download = await page.request.get((await link.getAttribute('href'))!);
    expect(download.status()).toBe(200);
    expect(download.headers()['x-content-type-options']).toBe('nosniff');
    expect(download.headers()['content-disposition']).toContain(
      `filename*=UTF-8''${encodeURIComponent('样品来源说明.pdf')}`,
    );
    expect(sha256(await download.body())).toBe(sha256(PDF));
    await checkConsolePage(
      page,
      await open(page, `/portal/enterprise/entries/${mine}`),
      'portal-enterprise-entry-objected',
    );
    await page.context().close();
  });

  it("answers another enterprise's matter, file and document with the 404 page", async () => {
    const [file] = await fileRows();
    const page = await signIn(OTHER);
    for (const path of [
      `/portal/enterprise/entries/${mine}`,
      `/portal/enterprise/entries/${mine}/evidence/${file.id}`,
      `/portal/enterprise/entries/${theirs}/evidence/${file.id}`,
      `/portal/enterprise/entries/${mine}/documents/notice`,
    ]) {
      const response = await page.goto(path);
      expect([path, response?.status()]).toEqual([path, 404]);
      expect(await text(page, 'h1')).toBe('未找到');
      expect(await text(page, '#problem')).toBe('要找的内容不存在，或不属于贵单位。');
    }
    // The API answers the same: the enterprise concerned and the officials of its district only.
    const api = (who: Parameters<BlacklistWorld['call']>[0], id = mine) =>
      w.call(who, 'GET', `/blacklist/${id}/evidence/${file.id}`);
    expect((await api(`enterprise:${OTHER}`)).statusCode).toBe(404);
    expect((await api(`enterprise:${OTHER}`, theirs)).statusCode).toBe(404);
    expect((await api('ouhai')).statusCode).toBe(403);
    const own = await api(`enterprise:${USCC}`);
    expect([own.statusCode, own.headers['x-content-type-options'], sha256(own.rawPayload)]).toEqual([
      200,
      'nosniff',
      file.sha256,
    ]);
    expect((await api('reviewer')).statusCode).toBe(200);

    // Its own matter is there, with the notice to print.
    await open(page, `/portal/enterprise/entries/${theirs}`);
    await page.getByRole('link', { name: '列入告知书' }).click();
    await page.waitForURL(`**/portal/enterprise/entries/${theirs}/documents/notice`);
    expect(await text(page, '#objection-deadline')).toContain('2026-06-15 24:00');
    await checkConsolePage(
      page,
      await open(page, `/portal/enterprise/entries/${theirs}/documents/notice`),
      'portal-enterprise-notice',
    );
    await page.context().close();
  });

  it('lets a reviewer see the objection and download its file in the console', async () => {
    const page = await b.signIn('amr.reviewer', STAFF_PASSWORD);
    const response = await open(page, `/console/blacklist/${mine}`);
    const cell = page.locator('#objections tbody tr td').nth(2);
    expect(await cell.textContent()).toContain('样品来源说明.pdf');
    expect(await cell.textContent()).toContain(`PDF · 1 KB · SHA-256 ${sha256(PDF).slice(0, 12)}…`);
    await checkConsolePage(page, response, 'blacklist-entry-evidence');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '样品来源说明.pdf' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('样品来源说明.pdf');
    expect(sha256(readFileSync((await download.path())!))).toBe(sha256(PDF));
    await page.context().close();
  });

  it('refuses an objection after the deadline, then shows the form no more', async () => {
    // 15 June, 23:58 in Beijing: the last minutes of the period; the form is there.
    clock.set('2026-06-15T15:58:00Z');
    const page = await signIn(OTHER);
    await open(page, `/portal/enterprise/entries/${theirs}`);
    expect(await text(page, '#days-left')).toBe('今天截止');
    await page.getByLabel('陈述申辩内容').fill('逾期提交的申辩。');
    // 16 June, 00:01: the deadline (15 June, 24:00) passed while the form was open.
    clock.set('2026-06-15T16:01:00Z');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: '提交陈述申辩', exact: true }).click(),
    ]);
    expect(refused.status()).toBe(409);
    await page.waitForSelector('#objection-refused');
    expect(await text(page, '#objection-refused')).toBe('未能提交：陈述申辩期已于 2026-06-15 24:00 届满');
    expect(await page.getByRole('button', { name: '提交陈述申辩' }).count()).toBe(0);
    await checkConsolePage(page, refused, 'portal-enterprise-objection-late');
    expect(await t.sql(`SELECT id FROM blacklist_objections WHERE entry_id = $1`, [theirs])).toEqual([]);

    await open(page, `/portal/enterprise/entries/${theirs}`);
    expect(await text(page, '#objection-closed')).toBe('陈述申辩期限已过（2026-06-15 24:00），不能再提交。');
    await page.context().close();
  });

  it('applies for repair from the earliest repair date, accepting the commitment, and sees the decision', async () => {
    const objection = (await w.entry(mine)).objections[0].id;
    await w.expect(200, 'reviewer', `/blacklist/${mine}/objections/${objection}/decision`, {
      outcome: 'dismissed',
      note: '抽样记录完整，异议不成立',
    });
    await w.expect(200, 'reviewer', `/blacklist/${mine}/decision`, {
      outcome: 'approved',
      note: '同意列入',
      documentRef: '温市监决字〔2026〕8号',
    });
    await w.expect(200, 'reviewer', `/blacklist/${mine}/publish`, {});
    const published = await w.entry(mine);
    expect(published.earliestRepairDate).toBe('2027-06-16');

    let page = await signIn(USCC);
    const early = await open(page, `/portal/enterprise/entries/${mine}`);
    expect(await text(page, '#repair-closed')).toMatch(
      /^自 2027-06-16 起可申请信用修复（距可申请还有 \d+ 个工作日）。在此之前不能提交申请。$/,
    );
    expect(await page.getByRole('button', { name: '提交信用修复申请' }).count()).toBe(0);
    expect(await text(page, '#filings')).toContain('异议不成立：抽样记录完整，异议不成立');
    await checkConsolePage(page, early, 'portal-enterprise-entry-published');
    await page.context().close();

    clock.set('2027-06-16T02:00:00Z');
    page = await signIn(USCC);
    const form = await open(page, `/portal/enterprise/entries/${mine}`);
    expect(await text(page, '#commitment-text h3')).toBe('信用修复承诺书');
    await checkConsolePage(page, form, 'portal-enterprise-repair-form');
    await page.getByLabel('整改情况及申请理由').fill('问题批次已全部召回，生产线已整改并复检合格。');
    // Without the commitment accepted, the browser holds the form back (the checkbox is required).
    expect(await page.getByLabel('我已阅读并同意《信用修复承诺书》').getAttribute('required')).not.toBeNull();
    await page.getByLabel('我已阅读并同意《信用修复承诺书》').check();
    // Five files of exactly 10 MB each: the most an application takes.
    const tenMb = [1, 2, 3, 4, 5].map((n) => {
      const path = join(tmpdir(), `复检合格报告-${n}-${process.pid}.pdf`);
      writeFileSync(path, Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024 - PDF.length, 0x20)]));
      return path;
    });
    const filed = await fileForm(page, '提交信用修复申请', tenMb);
    await Promise.all(tenMb.map((path) => rm(path, { force: true })));
    expect(filed.status()).toBe(303);
    expect(await text(page, '#filed')).toBe('信用修复申请已提交，等待审核。');
    const [application] = await t.sql<{ id: string; commitment_version: string; commitment_sha256: string }>(
      `SELECT id::text, commitment_version, commitment_sha256 FROM blacklist_repair_applications WHERE entry_id = $1`,
      [mine],
    );
    expect(application.commitment_version).toBe('2026-12-v1');
    expect(application.commitment_sha256).toMatch(/^[0-9a-f]{64}$/);
    const sizes = await t.sql<{ size_bytes: number }>(
      `SELECT size_bytes FROM blacklist_evidence_files WHERE repair_application_id = $1`,
      [application.id],
    );
    expect(sizes).toEqual(Array(5).fill({ size_bytes: 10 * 1024 * 1024 }));

    await w.expect(200, 'reviewer', `/blacklist/${mine}/repair-applications/${application.id}/decision`, {
      outcome: 'granted',
      note: '整改到位，准予修复',
      documentRef: '温市监修字〔2027〕2号',
    });
    await page.reload();
    expect(await text(page, '#status')).toBe('已移出');
    expect(await text(page, '#filings tbody tr:last-child .outcome')).toContain('准予修复：整改到位，准予修复');
    await checkConsolePage(
      page,
      await open(page, `/portal/enterprise/entries/${mine}`),
      'portal-enterprise-entry-repaired',
    );
    await checkConsolePage(
      page,
      await open(page, `/portal/enterprise/entries/${mine}/documents/removal`),
      'portal-enterprise-removal',
    );
    // In English, the trail's labels and outcomes joined by English punctuation, the step named as filed.
    await open(page, `/portal/enterprise/entries/${mine}?lang=en`);
    const trail = (await page.locator('#trail tbody tr td:nth-child(2)').allTextContents()).map((c) => c.trim());
    expect(trail).toEqual(
      expect.arrayContaining([
        'Objection filed',
        'Objection decided: dismissed',
        'Decided: approved',
        'Repair application filed',
        'Repair application decided: granted',
      ]),
    );
    expect(await page.locator('main').textContent()).not.toMatch(/[（）：]/);
    await page.context().close();
  });

  it('issues its signed credit report by POST, shows it and downloads the JWS', async () => {
    const page = await signIn(USCC);
    const blank = await open(page, '/portal/enterprise/report');
    expect(await page.locator('#report').count()).toBe(0);
    await checkConsolePage(page, blank, 'portal-enterprise-report-blank');
    const issued = await submit(page, '生成信用报告');
    expect(issued.status()).toBe(200);
    expect(await text(page, '#report-no')).toMatch(/^QCR-2027-\d{6}$/);
    expect(await text(page, '#report-enterprise')).toBe('温州市鹿城阀门有限公司');
    await checkConsolePage(page, issued, 'portal-enterprise-report');
    // Printed: the report alone, without the navigation and the buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#report').isVisible()).toBe(true);
    expect(await page.locator('.side').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: '生成信用报告' }).isVisible()).toBe(false);
    // The verification page's full address on paper (no PUBLIC_URL here: the page's own host).
    const verify = `${new URL(page.url()).origin}/reports/verify?no=${await text(page, '#report-no')}`;
    expect(await text(page, '#report-check')).toBe(
      `本报告经本平台电子签名。核验方法：打开本平台报告验证页 ${verify}，即按报告编号核验；也可提交签名报告文本核验。`,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'console-portal-enterprise-report-print.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    // On screen, a link to it.
    expect(await page.getByRole('link', { name: verify }).getAttribute('href')).toBe(verify);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载签名报告（.jws）' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`信用报告-${await text(page, '#report-no')}.jws`);
    const jws = readFileSync((await download.path())!, 'utf8');
    const verified = await t.request({ method: 'POST', url: '/api/v1/public/reports/verify', body: { report: jws } });
    expect(verified.json()).toMatchObject({ valid: true, payload: { enterprise: { uscc: USCC } } });
    // The readable report on the public site, and its verification by number, one click away.
    const number = await text(page, '#report-no');
    expect(await page.getAttribute('#verify-link', 'href')).toBe(verify);
    await Promise.all([page.waitForURL(`**/reports/${number}`), page.click('#report-public')]);
    expect(await text(page, 'h1')).toBe('企业质量信用报告');
    await Promise.all([page.waitForURL(/\/reports\/verify\?no=/), page.click('#verify-url')]);
    expect(await text(page, '#verdict')).toContain('签名核验通过');
    await page.context().close();
  });
});
