import { Page } from 'playwright-core';
import { BlacklistWorld, PROPOSAL } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { checkConsolePage, ConsoleBrowser, open } from '../../helpers/console';
import { CODES } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

const PASSWORD = 'blacklist-pass-1';
const USCC = CODES.wenzhouLike;
const NAME = '温州市鹿城阀门有限公司';

/**
 * 黑名单 in the console, in Chromium: a regulator proposes through the form and gives notice, the
 * notice prints with its objection deadline, the proposer cannot approve their own proposal (and
 * sees why), a reviewer decides with a note and a document number once the window has closed,
 * publishes, and the entry shows on the public blacklist; then the reviewer revokes it and the
 * removal decision prints.
 */
describe('console: blacklist due process', () => {
  // Monday 1 June 2026, 10:00 in Beijing; ten working days to object run to 15 June, 24:00.
  const clock = new TestClock(new Date('2026-06-01T02:00:00Z'));
  let t: TestApp;
  let b: ConsoleBrowser;
  let id: string;

  const entries = async () => (await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM blacklist_entries`))[0].n;
  const statusOf = async () =>
    (await t.sql<{ status: string }>(`SELECT status FROM blacklist_entries WHERE id = $1`, [id]))[0].status;
  const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();

  /** Clicks a button and waits for the page the form leads to. */
  async function submit(page: Page, button: string, path: RegExp): Promise<void> {
    await Promise.all([
      page.waitForURL((url) => path.test(url.pathname)),
      page.getByRole('button', { name: button, exact: true }).click(),
    ]);
  }

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    await BlacklistWorld.create(t, clock, [USCC]);
    b = await ConsoleBrowser.start(t);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('lets a regulator propose through the form, refusing bad input beside the field', async () => {
    const page = await b.signIn('amr.proposer', PASSWORD);
    const list = await open(page, '/console/blacklist');
    expect(await text(page, 'h1')).toBe('黑名单');
    expect(await text(page, '#empty')).toBe('没有符合条件的条目。');
    await checkConsolePage(page, list, 'blacklist-list-empty');

    await Promise.all([
      page.waitForURL('**/console/blacklist/new'),
      page.getByRole('link', { name: '提出列入' }).click(),
    ]);
    await checkConsolePage(page, await open(page, '/console/blacklist/new'), 'blacklist-new');
    await page.getByLabel('统一社会信用代码').fill('12345');
    await page.getByLabel('违法事实').fill(PROPOSAL.facts);
    await page.getByLabel('列入期限（月）').fill('500');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: '提出列入' }).click(),
    ]);
    expect(refused.status()).toBe(400);
    await page.waitForSelector('#e-uscc');
    expect(await text(page, '#e-uscc')).toBe('格式不正确');
    expect(await text(page, '#e-reasonCode')).toBe('此项必填');
    expect(await text(page, '#e-legalBasis')).toBe('此项必填');
    expect(await text(page, '#e-periodMonths')).toBe('不能大于 120');
    expect(await page.getByLabel('违法事实').inputValue()).toBe(PROPOSAL.facts);
    expect(await entries()).toBe(0);
    await checkConsolePage(page, refused, 'blacklist-new-errors');

    await page.getByLabel('统一社会信用代码').fill('91110000802100433B');
    await page.getByLabel('列入原因').selectOption(PROPOSAL.reasonCode);
    await page.getByLabel('法律依据').fill(PROPOSAL.legalBasis);
    await page.getByLabel('列入期限（月）').fill('36');
    await page.getByRole('button', { name: '提出列入' }).click();
    await page.waitForSelector('#e-uscc');
    expect(await text(page, '#e-uscc')).toBe('未找到该统一社会信用代码的企业');
    expect(await entries()).toBe(0);

    await page.getByLabel('统一社会信用代码').fill(USCC);
    await submit(page, '提出列入', /^\/console\/blacklist\/\d+$/);
    id = page.url().split('/').pop()!;
    expect(await text(page, '#status')).toBe('已提出，待告知');
    expect(await entries()).toBe(1);
  });

  it('shows the proposer every move, 同意列入 disabled with the four-eyes reason; notice needs a note and a number', async () => {
    const page = await b.signIn('amr.proposer', PASSWORD);
    const response = await open(page, `/console/blacklist/${id}`);
    await checkConsolePage(page, response, 'blacklist-entry-proposed');
    const approve = page.getByRole('button', { name: '同意列入', exact: true });
    expect(await approve.isDisabled()).toBe(true);
    expect(await text(page, '#why-approve')).toBe('须由审核人员决定，且不能是提出人');
    expect(await page.getByRole('button', { name: '撤回', exact: true }).isEnabled()).toBe(true);
    expect(await text(page, '#why-publish')).toBe('当前状态为“已提出，待告知”，此操作仅适用于“已同意列入，待公示”');

    await submit(page, '送达告知', new RegExp(`^/console/blacklist/${id}/notice$`));
    await checkConsolePage(page, await open(page, `/console/blacklist/${id}/notice`), 'blacklist-confirm-notice');
    await page.getByRole('button', { name: '确认送达告知' }).click();
    await page.waitForSelector('#e-note');
    expect(await text(page, '#e-note')).toBe('此项必填');
    expect(await text(page, '#e-documentRef')).toBe('此项必填');
    expect(await statusOf()).toBe('proposed');

    await page.getByLabel('意见').fill('已通过邮寄送达');
    await page.getByLabel('文号').fill('温市监告字〔2026〕3号');
    await submit(page, '确认送达告知', new RegExp(`^/console/blacklist/${id}$`));
    expect(await text(page, '#status')).toBe('已告知');
    expect(await text(page, '#deadline')).toBe('2026-06-15 24:00 · 剩 10 个工作日');
    expect(await text(page, '#trail tbody tr:last-child')).toContain('温市监告字〔2026〕3号');
    await checkConsolePage(page, await open(page, `/console/blacklist/${id}`), 'blacklist-entry-noticed');
  });

  it('prints the notice with its objection deadline, the navigation hidden', async () => {
    const page = await b.signIn('amr.other', PASSWORD);
    const response = await open(page, `/console/blacklist/${id}/documents/notice`);
    expect(await text(page, 'h1')).toBe('列入告知书');
    expect(await text(page, '#docno')).toBe('文号：温市监告字〔2026〕3号');
    expect(await text(page, '#objection-deadline')).toContain('请于 2026-06-15 24:00 前（自告知之日起 10 个工作日内）');
    expect(await text(page, '#doc-date')).toBe('2026-06-01');
    await checkConsolePage(page, response, 'blacklist-document-notice');
    expect(await page.locator('nav').first().isVisible()).toBe(true);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.side').isVisible()).toBe(false);
    expect(await page.locator('#document').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    // The decision has not been reached: no decision to print.
    const early = await page.goto(`/console/blacklist/${id}/documents/decision`);
    expect(early!.status()).toBe(404);
    expect(await text(page, 'h1')).toBe('未找到');
  });

  it('has a reviewer decide after the window with a note and a document number, and publish', async () => {
    let page = await b.signIn('amr.reviewer', PASSWORD);
    await open(page, `/console/blacklist/${id}`);
    expect(await text(page, '#why-approve')).toBe('陈述申辩期至 2026-06-15 24:00 届满，届满后方可决定');
    const early = await page.goto(`/console/blacklist/${id}/approve`);
    expect(early!.status()).toBe(409);
    expect(await text(page, '#refused')).toContain('陈述申辩期至 2026-06-15 24:00 届满');

    clock.set('2026-06-16T02:00:00Z');
    page = await b.signIn('amr.reviewer', PASSWORD);
    await open(page, `/console/blacklist/${id}`);
    expect(await text(page, '#deadline')).toBe('2026-06-15 24:00 · 已逾期 1 个工作日');
    await submit(page, '同意列入', new RegExp(`^/console/blacklist/${id}/approve$`));
    await checkConsolePage(page, await open(page, `/console/blacklist/${id}/approve`), 'blacklist-confirm-approve');
    await page.getByLabel('文号').fill('x'.repeat(101));
    await page.getByRole('button', { name: '确认同意列入' }).click();
    await page.waitForSelector('#e-documentRef');
    expect(await text(page, '#e-documentRef')).toBe('不能超过 100 个字');
    expect(await text(page, '#e-note')).toBe('此项必填');
    expect(await statusOf()).toBe('noticed');

    await page.getByLabel('意见').fill('事实清楚，证据确凿');
    await page.getByLabel('文号').fill('温市监决字〔2026〕7号');
    await submit(page, '确认同意列入', new RegExp(`^/console/blacklist/${id}$`));
    expect(await text(page, '#status')).toBe('已同意列入，待公示');

    await submit(page, '公示', new RegExp(`^/console/blacklist/${id}/publish$`));
    await page.getByLabel('意见').fill('经审核，予以公示');
    await submit(page, '确认公示', new RegExp(`^/console/blacklist/${id}$`));
    expect(await text(page, '#status')).toBe('已公示');
    const decision = await open(page, `/console/blacklist/${id}/documents/decision`);
    expect(await text(page, '#docno')).toBe('文号：温市监决字〔2026〕7号');
    expect(await text(page, '#document')).toContain('列入期限 36 个月');
    await checkConsolePage(page, decision, 'blacklist-document-decision');

    const list = await open(page, '/console/blacklist?status=published');
    expect(await page.locator('#entries tbody th a').allTextContents()).toEqual([NAME]);
    await checkConsolePage(page, list, 'blacklist-list');
    await page.goto('/blacklist');
    expect(await page.locator('#blacklist tbody').textContent()).toContain(NAME);
  });

  it('removes the entry by revocation and prints the removal decision', async () => {
    clock.set('2026-06-17T02:00:00Z');
    const page = await b.signIn('amr.reviewer', PASSWORD);
    await open(page, `/console/blacklist/${id}`);
    await submit(page, '撤销列入', new RegExp(`^/console/blacklist/${id}/revoke$`));
    await page.getByLabel('意见').fill('原处罚决定经行政复议撤销');
    await page.getByLabel('文号').fill('温市监撤字〔2026〕2号');
    await submit(page, '确认撤销列入', new RegExp(`^/console/blacklist/${id}$`));
    expect(await text(page, '#status')).toBe('已移出');
    const removal = await open(page, `/console/blacklist/${id}/documents/removal`);
    expect(await text(page, '#docno')).toBe('文号：温市监撤字〔2026〕2号');
    expect(await text(page, '#document')).toContain('本机关决定自 2026-06-17 起将你单位移出严重违法失信名单');
    await checkConsolePage(page, removal, 'blacklist-document-removal');
  });
});
