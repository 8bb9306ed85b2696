import { Browser, Page, Response } from 'playwright-core';
import { BlacklistService } from '../../../src/blacklist/blacklist.service';
import { makeUscc } from '../../../src/common/uscc';
import { BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { ConsoleBrowser, DESKTOP } from '../../helpers/console';
import { createEnterprise } from '../../helpers/fixtures';
import { checkPublicPage } from '../../helpers/public-pages';
import { TestApp } from '../../helpers/test-app';
import v1 from '../../../config/rule-sets/v1.json';

/**
 * The public site's home page, guides, enterprise page, search results and blacklist search
 * (issue 20, points 2 and 3) in Debian's Chromium, at desktop and phone width. The settings the
 * guides state are not the defaults, and the test activates a new rule set, so a figure typed
 * into a template instead of read from where the platform takes it would show.
 */

const LISTED = { uscc: makeUscc('330302', 901), name: '温州瓯江阀门有限公司', districtCode: '330302' };
const GOOD = { uscc: makeUscc('330304', 902), name: '温州瓯江光学眼镜有限公司', districtCode: '330304' };
const OLD = { uscc: makeUscc('330302', 903), name: '温州瓯江旧城鞋业有限公司', districtCode: '330302' };
const REVOKED = { uscc: makeUscc('330382', 904), name: '乐清安泰电器有限公司', districtCode: '330382' };
const OTHER = { uscc: makeUscc('330303', 905), name: '龙湾华宇锁具有限公司', districtCode: '330303' };

describe('public home, guides, enterprise page and blacklist search in Chromium', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  let browser: Browser;
  let page: Page;
  let base: string;
  const clock = new TestClock(new Date('2025-03-03T02:00:00Z'));

  /** Proposed and noticed now. */
  async function notice(uscc: string): Promise<string> {
    const id = await w.propose(uscc);
    await w.expect(200, 'regulator', `/blacklist/${id}/notice`);
    return id;
  }

  /** Decided and published at `at` (past the objection deadline). */
  async function publish(id: string, at: string): Promise<void> {
    clock.set(at);
    await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '事实清楚' });
    await w.expect(200, 'regulator', `/blacklist/${id}/publish`);
  }

  async function record(uscc: string, type: string, occurredOn: string): Promise<void> {
    const body = { type, occurredOn, documentNo: `温质监〔${occurredOn}〕${type}号`, summary: '监督检查' };
    const res = await w.call('proposer', 'POST', `/enterprises/${uscc}/records`, body);
    if (res.statusCode !== 201) throw new Error(`record: ${res.statusCode} ${res.body}`);
  }

  const goto = (path: string): Promise<Response | null> => page.goto(`${base}${path}`);
  const text = async (selector: string): Promise<string> => ((await page.textContent(selector)) ?? '').trim();

  beforeAll(async () => {
    // Not the defaults (12 months, 10 working days, 36 months): the guides must say these.
    t = await TestApp.start(
      __filename,
      { REPAIR_MIN_MONTHS: '18', OBJECTION_WORKING_DAYS: '7', LISTING_PERIOD_MONTHS: '12' },
      { clock },
    );
    w = await BlacklistWorld.create(t, clock, []);
    const admin = await t.loginAdmin();
    for (const e of [LISTED, GOOD, OLD, REVOKED, OTHER]) {
      await createEnterprise(t, admin, e.uscc, { name: e.name, districtCode: e.districtCode });
    }
    // Published on 18 March 2025 for 12 months: expired at the end of 18 March 2026.
    await publish(await notice(OLD.uscc), '2025-03-18T02:00:00Z');
    clock.set('2026-03-20T02:00:00Z');
    await expect(t.app.get(BlacklistService).expireDue()).resolves.toEqual({ removed: 1 });
    await record(GOOD.uscc, 'quality_award', '2026-03-01');
    await record(GOOD.uscc, 'spot_check_pass', '2026-03-05');
    // Three published on 20 April 2026; one of them revoked two days later.
    clock.set('2026-04-01T02:00:00Z');
    const [listed, other, revoked] = [await notice(LISTED.uscc), await notice(OTHER.uscc), await notice(REVOKED.uscc)];
    await publish(listed, '2026-04-20T02:00:00Z');
    await publish(other, '2026-04-20T03:00:00Z');
    await publish(revoked, '2026-04-20T04:00:00Z');
    clock.set('2026-04-22T02:00:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${revoked}/revocation`, { note: '原处罚决定经行政复议撤销' });
    // 80 + 8 + 2 = 90: A. Listed: D. Removed, no records: the base score, B.
    await w.grade(GOOD.uscc, 'A');
    for (const e of [LISTED, OTHER]) await w.grade(e.uscc, 'D');
    for (const e of [OLD, REVOKED]) await w.grade(e.uscc, 'B');

    ({ browser, base } = await ConsoleBrowser.start(t));
    page = await browser.newPage({ viewport: DESKTOP });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('home: the search box first, the newest publications and removals with Beijing dates, the counts, the guides', async () => {
    const response = await goto('/');
    await checkPublicPage(page, response, 'home');
    // The search box comes first, after the heading and its line; then the lists, counts and guides.
    await expect(
      page.evaluate<string[]>(`[...document.querySelector('main').children].map((e) => e.tagName)`),
    ).resolves.toEqual(['H1', 'P', 'FORM', 'DIV', 'SECTION', 'SECTION']);
    await expect(page.getAttribute('main form', 'action')).resolves.toBe('/search');
    await expect(page.getByLabel('企业名称或统一社会信用代码').count()).resolves.toBe(1);

    const newest = page.locator('#newest li');
    await expect(newest.count()).resolves.toBe(2);
    await expect(newest.nth(0).textContent()).resolves.toContain(OTHER.name);
    await expect(newest.nth(1).textContent()).resolves.toContain(LISTED.name);
    await expect(newest.nth(1).textContent()).resolves.toContain('2026-04-20');
    await expect(newest.nth(1).locator('a').getAttribute('href')).resolves.toMatch(/^\/blacklist\/\d+$/);
    expect(await text('#newest')).not.toContain(REVOKED.name);

    const removals = page.locator('#removals li');
    await expect(removals.allTextContents()).resolves.toEqual([
      expect.stringContaining(`${REVOKED.name}2026-04-22 撤销列入`),
      expect.stringContaining(`${OLD.name}公示至 2026-03-18，期满移出`),
    ]);
    await expect(removals.first().locator('a').getAttribute('href')).resolves.toBe(`/enterprises/${REVOKED.uscc}`);

    // Five registered: A 1, B 2, C 0, D 2, none ungraded; two enterprises on the list.
    expect(await text('#grade-counts + p')).toContain('本平台登记企业 5 家');
    await expect(page.locator('#counts li').allTextContents()).resolves.toEqual([
      'A 守信1 家',
      'B 良好2 家',
      'C 警示0 家',
      'D 失信2 家',
      '未评级0 家',
      '在黑名单上的企业2 家',
    ]);
    await expect(
      page.evaluate<string[]>(`[...document.querySelectorAll('#guide-links a')].map((a) => a.getAttribute('href'))`),
    ).resolves.toEqual(['/guides/standard', '/guides/repair', '/guides/objection']);
  });

  it('home in English', async () => {
    const response = await goto('/?lang=en');
    await checkPublicPage(page, response, 'home-en');
    await expect(page.locator('#counts li').first().textContent()).resolves.toBe('A trustworthy1');
    expect(await text('#removals')).toContain('listed until 2026-03-18, then removed');
    await goto('/?lang=zh');
  });

  it('search results list each name with its grade', async () => {
    await goto('/');
    await page.getByLabel('企业名称或统一社会信用代码').fill('瓯江');
    const [response] = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    await checkPublicPage(page, response, 'search-grades');
    const rows = page.locator('#results tbody tr');
    await expect(rows.count()).resolves.toBe(3);
    const byName: Record<string, string> = {};
    for (const row of await rows.all()) {
      byName[(await row.locator('th').innerText()).trim()] = await row.locator('.grade').innerText();
    }
    expect(byName).toEqual({ [LISTED.name]: 'D 失信', [GOOD.name]: 'A 守信', [OLD.name]: 'B 良好' });
  });

  it('the public API gives the grade and the facts too', async () => {
    const one = (await t.request({ method: 'GET', url: `/api/v1/public/enterprises/${LISTED.uscc}` })).json();
    expect(one).toMatchObject({
      uscc: LISTED.uscc,
      grade: 'D',
      status: 'active',
      registeredOn: '2008-05-16',
      industryCode: 'C3443',
    });
    const hits = (
      await t.request({ method: 'GET', url: `/api/v1/public/enterprises?q=${encodeURIComponent('光学')}` })
    ).json();
    expect(hits.items).toEqual([expect.objectContaining({ uscc: GOOD.uscc, grade: 'A', blacklisted: false })]);
  });

  it('enterprise page: the grade with its meaning and the standard, the basic facts, the guides', async () => {
    const response = await goto(`/enterprises/${LISTED.uscc}`);
    await checkPublicPage(page, response, 'enterprise-facts');
    await expect(text('#grade .grade')).resolves.toBe('D 失信');
    expect(await text('#grade')).toContain('质量失信');
    await expect(page.locator('#grade a').getAttribute('href')).resolves.toBe('/guides/standard');
    await expect(text('#status')).resolves.toBe('存续');
    await expect(text('#registered-on')).resolves.toBe('2008-05-16');
    await expect(text('#district')).resolves.toBe('鹿城区');
    await expect(text('#industry')).resolves.toBe('制造业（C3443）');
    await expect(page.locator('#enterprise-guides a').count()).resolves.toBe(4);
    await expect(page.getAttribute('#enterprise-correction', 'href')).resolves.toBe(
      `/corrections/new?kind=enterprise&subject=${LISTED.uscc}`,
    );

    await goto(`/enterprises/${GOOD.uscc}?lang=en`);
    await expect(text('#grade .grade')).resolves.toBe('A trustworthy');
    await expect(text('#industry')).resolves.toBe('Manufacturing (C3443)');
    await expect(text('#status')).resolves.toBe('Active');
    await goto('/?lang=zh');
  });

  it('blacklist: the search box finds by name and by credit code, beside the other filters', async () => {
    await checkPublicPage(page, await goto('/blacklist'), 'blacklist');
    const names = () => page.locator('#blacklist tbody th a').allTextContents();
    await expect(names()).resolves.toEqual([OTHER.name, LISTED.name]);

    await page.getByLabel('企业名称或统一社会信用代码').fill('瓯江');
    const [response] = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    await checkPublicPage(page, response, 'blacklist-q');
    expect(new URL(page.url()).searchParams.get('q')).toBe('瓯江');
    // The expired one matches the name too, but is no longer listed.
    await expect(names()).resolves.toEqual([LISTED.name]);
    await expect(text('#count')).resolves.toBe('共 1 条');
    await expect(page.getByLabel('企业名称或统一社会信用代码').inputValue()).resolves.toBe('瓯江');

    await goto(`/blacklist?q=${OTHER.uscc}`);
    await expect(names()).resolves.toEqual([OTHER.name]);
    // With another filter that excludes it: nothing.
    await goto(`/blacklist?q=${encodeURIComponent('瓯江')}&districtCode=330303`);
    await expect(names()).resolves.toEqual([]);
    await expect(text('#count')).resolves.toBe('共 0 条');
  });

  it('分类标准说明 reads the active rule set, and changes when a new one is activated', async () => {
    await checkPublicPage(page, await goto('/guides/standard'), 'guide-standard');
    // The date v1 came into force is when the database was set up (activated_at, the database's clock).
    expect(await text('#rule-set-version')).toMatch(/^现行标准：第 1 版，\d{4}-\d{2}-\d{2} 起施行$/);
    expect(await text('main')).toContain('温州市企业质量信用分类评价标准（第1版）');
    expect(await text('#base-score')).toContain('基础分 80 分');
    const rows = async () =>
      (await page.locator('main table tbody tr').allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim());
    await expect(rows()).resolves.toEqual(
      expect.arrayContaining([
        '监督抽查不合格 轻微扣 4 分；一般扣 8 分；严重扣 15 分；特别严重扣 25 分；未注明程度的扣 8 分 36 个月 不设上限',
        '投诉属实 扣 3 分 24 个月 最多扣 15 分',
        '质量奖 加 8 分 36 个月 最多加 16 分',
        'A 守信 90 分及以上 质量信用优良：评价得分高，没有严重的质量失信行为。',
        'B 良好 75 分及以上、不足 90 分 质量信用良好：总体守法经营，可能有少量一般性的不良记录。',
        'D 失信 不足 60 分 质量失信：有严重的质量违法失信行为，或评价得分很低。',
      ]),
    );
    await expect(text('#decay')).resolves.toBe(
      '记录发生之日起 12 个月内按全额计分；满 12 个月后按 50% 计分，直至计分期限届满；期满后不再计分。',
    );
    await expect(page.locator('#hard-rules li').allTextContents()).resolves.toEqual([
      '被列入公示中的严重违法失信名单（质量黑名单）：评为 D 失信',
      '36 个月内有“吊销许可证”记录：评为 D 失信',
      '12 个月内有“重大质量事故”记录：最高评为 C 警示',
    ]);

    // A second version: another base score, threshold, severity's points, decay and hard rules.
    const document = structuredClone(v1) as typeof v1 & { name: string; hardRules: unknown[] };
    document.name = '温州市企业质量信用分类评价标准（第2版） · version 2';
    document.baseScore = 70;
    document.thresholds = { A: 95, B: 75, C: 60 };
    document.records.spot_check_fail.points.serious = -18;
    document.decay = { fullWeightMonths: 6, laterWeight: 0.25 };
    document.hardRules = document.hardRules.slice(0, 1);
    const drafted = await w.call('admin', 'POST', '/rule-sets', { document });
    expect(drafted.statusCode).toBe(201);
    const activated = await w.call('reviewer', 'POST', `/rule-sets/${drafted.json().version}/activate`);
    expect(activated.statusCode).toBeLessThan(300);

    await checkPublicPage(page, await goto('/guides/standard'), 'guide-standard-v2');
    expect(await text('#rule-set-version')).toMatch(/^现行标准：第 2 版，\d{4}-\d{2}-\d{2} 起施行$/);
    expect(await text('main')).toContain('温州市企业质量信用分类评价标准（第2版）');
    expect(await text('#base-score')).toContain('基础分 70 分');
    await expect(rows()).resolves.toEqual(
      expect.arrayContaining([
        expect.stringContaining('严重扣 18 分'),
        expect.stringContaining('A 守信 95 分及以上'),
        expect.stringContaining('B 良好 75 分及以上、不足 95 分'),
      ]),
    );
    await expect(text('#decay')).resolves.toContain('满 6 个月后按 25% 计分');
    await expect(page.locator('#hard-rules li').count()).resolves.toBe(1);

    await goto('/guides/standard?lang=en');
    expect(await text('#base-score')).toContain('base score of 70');
    expect(await text('main')).toContain('95 or more');
    await goto('/guides/standard?lang=zh');
  });

  it('信用修复指南 states the settings in force, the evidence rules and the commitment', async () => {
    await checkPublicPage(page, await goto('/guides/repair'), 'guide-repair');
    // Today (the test clock) is 22 April 2026: 18 months on.
    await expect(text('#repair-when')).resolves.toBe(
      '自列入名单公示之日起满 18 个月，方可申请。例如 2026-04-22 公示的事项，自 2027-10-22 起可以申请。',
    );
    expect(await text('main')).toContain('未载明的为 12 个月');
    await expect(text('#repair-evidence')).resolves.toContain(
      '最多 5 个文件，每个不超过 10 MB，限 PDF、JPEG、PNG 格式',
    );
    await expect(page.locator('#commitment summary').textContent()).resolves.toBe('《信用修复承诺书》全文');
    await page.click('#commitment summary');
    await expect(page.locator('#commitment h3').isVisible()).resolves.toBe(true);
    expect(await text('#commitment')).toContain('本企业自愿申请对上述严重违法失信名单事项进行信用修复');
    await expect(page.locator('main a[href="/portal/enterprise/entries"]').count()).resolves.toBe(1);
  });

  it('异议申诉指南 states the working days, the evidence rules and the correction request', async () => {
    await checkPublicPage(page, await goto('/guides/objection'), 'guide-objection');
    expect(await text('#objection-period')).toContain('自告知之日起 7 个工作日内提出');
    await expect(text('#objection-evidence')).resolves.toContain(
      '最多 5 个文件，每个不超过 10 MB，限 PDF、JPEG、PNG 格式',
    );
    await expect(page.locator('#correction-link').getAttribute('href')).resolves.toBe('/corrections/new');

    await goto('/guides/objection?lang=en');
    expect(await text('#objection-period')).toContain('Within 7 working days of the notice');
    await goto('/guides/objection?lang=zh');
  });
});
