import { Page } from 'playwright-core';
import { UserPrincipal } from '../../../src/access/principal';
import { TodoService } from '../../../src/web/console/todo.service';
import { BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { checkConsolePage, ConsoleBrowser, open } from '../../helpers/console';
import { CODES } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

const PASSWORD = 'blacklist-pass-1';

/** 待办: what waits on the person signed in, with working days left, and its count in the navigation. */
describe('console to-do', () => {
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z')); // Monday 10:00 in Beijing
  let t: TestApp;
  let w: BlacklistWorld;
  let b: ConsoleBrowser;
  let quiet: string;
  let objected: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, [CODES.wenzhouLike, CODES.shenzhen]);
    b = await ConsoleBrowser.start(t);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  /** The rows of the to-do table: kind, subject, working days left, link. */
  const rows = (page: Page) =>
    page.locator('#todo tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        kind: tr.getAttribute('data-kind'),
        task: tr.querySelector('th')?.textContent?.trim(),
        subject: tr.querySelector('td')?.textContent?.replace(/\s+/g, ' ').trim(),
        left: tr.querySelector('td.left')?.textContent?.trim(),
        href: tr.querySelector('a')?.getAttribute('href'),
      })),
    );
  const navCount = async (page: Page, text: string) => {
    const count = page.locator('nav a', { hasText: text }).locator('.count');
    return (await count.count()) ? Number(await count.textContent()) : 0;
  };

  it('shows a regulator of the department the proposals to give notice on, with working days left', async () => {
    quiet = await w.propose(CODES.wenzhouLike);
    objected = await w.propose(CODES.shenzhen);

    // Another regulator of AMR gives notice as well as the proposer: the department's proposals are theirs.
    const page = await b.signIn('amr.other', PASSWORD);
    const response = await open(page, '/console');
    expect(await page.locator('h1').textContent()).toBe('待办');
    const listed = await rows(page);
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({
      kind: 'notice',
      task: '送达告知',
      left: '剩余 5 个工作日',
      href: `/console/blacklist/${quiet}`,
    });
    expect(listed[0].subject).toContain(CODES.wenzhouLike);
    expect(listed[0].subject).toContain('生产销售不合格产品');
    expect(await navCount(page, '待办')).toBe(2);
    expect(await navCount(page, '黑名单')).toBe(0);
    await checkConsolePage(page, response, 'todo-regulator');
    await page.context().close();
  });

  it('shows a district-level regulator nothing of another district', async () => {
    const page = await b.signIn('ouhai.regulator', PASSWORD);
    expect(await page.locator('#todo-empty').textContent()).toBe('目前没有等待您办理的事项。');
    expect(await navCount(page, '待办')).toBe(0);
    await page.context().close();
  });

  it('after notice and the objection window, shows a reviewer the entry awaiting decision and the objection overdue', async () => {
    await w.expect(200, 'regulator', `/blacklist/${quiet}/notice`, {});
    await w.expect(200, 'regulator', `/blacklist/${objected}/notice`, {});
    await w.expect(201, `enterprise:${CODES.shenzhen}`, `/blacklist/${objected}/objections`, {
      statement: '样品非本企业生产',
    });
    // The window (ten working days after Monday 2 March) closed at the end of Monday 16 March.
    clock.set('2026-03-17T01:00:00Z');

    const page = await b.signIn('amr.reviewer', PASSWORD);
    const response = await open(page, '/console');
    expect(await rows(page)).toEqual([
      expect.objectContaining({
        kind: 'objection',
        task: '决定陈述申辩',
        left: '已逾期 1 个工作日',
        href: `/console/blacklist/${objected}`,
      }),
      expect.objectContaining({
        kind: 'decide',
        task: '作出列入决定',
        left: '剩余 5 个工作日',
        href: `/console/blacklist/${quiet}`,
      }),
    ]);
    expect(await navCount(page, '待办')).toBe(2);
    await checkConsolePage(page, response, 'todo-reviewer');
    await page.context().close();

    // The regulators have nothing left to do on them.
    const regulator = await b.signIn('amr.other', PASSWORD);
    expect(await regulator.locator('#todo-empty').count()).toBe(1);
    await regulator.context().close();
  });

  it('gives the navigation a reviewer’s counts (their cost is measured on every page by bench/console.ts)', async () => {
    const [user] = await t.sql<{ id: string }>(`SELECT id::text FROM users WHERE username = 'amr.reviewer'`);
    const principal: UserPrincipal = {
      kind: 'user',
      userId: user.id,
      username: 'amr.reviewer',
      role: 'reviewer',
      departmentCode: 'AMR',
      districtCode: null,
      institutionId: null,
      uscc: null,
    };
    expect(await t.app.get(TodoService).counts(principal)).toEqual({
      '/console': 2,
      '/console/imports': 0,
      '/console/corrections': 0,
    });
  });
});
