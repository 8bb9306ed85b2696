import { Page } from 'playwright-core';
import { makeUscc } from '../../../src/common/uscc';
import { BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { ConsoleBrowser, PHONE, text } from '../../helpers/console';
import { createEnterprise } from '../../helpers/fixtures';
import { checkPublicPage, MAX_STATS_PAGE_BYTES } from '../../helpers/public-pages';
import { TestApp } from '../../helpers/test-app';

/** Enterprises in districts with long English names (Yongjia County, Wenzhou (city level), Rui'an). */
const ENTERPRISES = [
  { uscc: makeUscc('330302', 951), name: '温州鹿城图表阀门有限公司', district: '330302' },
  { uscc: makeUscc('330324', 952), name: '永嘉图表泵业有限公司', district: '330324' },
  { uscc: makeUscc('330381', 953), name: '瑞安图表汽配有限公司', district: '330381' },
  { uscc: makeUscc('330300', 954), name: '温州图表电气有限公司', district: '330300' },
  { uscc: makeUscc('330383', 955), name: '龙港图表印刷有限公司', district: '330383' },
];

/** The texts of every chart on the page that are drawn outside their SVG's box, as `chart: text`. */
const OUTSIDE = `[...document.querySelectorAll('svg.chart')].flatMap((svg) => {
  const box = svg.viewBox.baseVal;
  return [...svg.querySelectorAll('text')].filter((t) => {
    const b = t.getBBox();
    return b.x < 0 || b.y < 0 || b.x + b.width > box.width || b.y + b.height > box.height;
  }).map((t) => svg.getAttribute('aria-label') + ': ' + t.textContent);
})`;

/** Per chart: its drawn width in px, and the smallest text's size in px as drawn (set size × scale). */
const DRAWN = `[...document.querySelectorAll('svg.chart')].map((svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('text')].map((t) => Number(t.getAttribute('font-size')) * scale);
  return { width: Math.round(svg.getBoundingClientRect().width), smallest: Math.min(...sizes) };
})`;

/**
 * The statistics page on a phone: the charts are horizontal bars, 400 units wide, so at 390 px
 * their text is drawn near its set size; every label (long English district names, the legend,
 * the 92 % target) stays inside the chart, in Chinese and in English.
 */
describe('statistics charts at phone width', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  let web: ConsoleBrowser;
  let page: Page;
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z'));

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, []);
    const admin = await t.loginAdmin();
    for (const e of ENTERPRISES) {
      await createEnterprise(t, admin, e.uscc, { name: e.name, districtCode: e.district });
    }
    for (const [i, e] of ENTERPRISES.entries()) {
      for (const [n, type] of (['spot_check_pass', i % 2 ? 'spot_check_fail' : 'spot_check_pass'] as const).entries()) {
        const res = await w.call('proposer', 'POST', `/enterprises/${e.uscc}/records`, {
          type,
          occurredOn: `2026-02-0${n + 2}`,
          documentNo: `温市监抽字〔2026〕${i}${n}号`,
          summary: '监督抽查',
        });
        if (res.statusCode !== 201) throw new Error(`record: ${res.statusCode} ${res.body}`);
      }
    }
    const id = await w.propose(ENTERPRISES[0].uscc);
    await w.expect(200, 'regulator', `/blacklist/${id}/notice`);
    clock.set('2026-03-17T02:00:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '事实清楚' });
    await w.expect(200, 'regulator', `/blacklist/${id}/publish`);
    web = await ConsoleBrowser.start(t);
    page = await web.signIn('amr.other', 'blacklist-pass-1', PHONE);
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    await t?.close();
  });

  for (const lang of ['zh', 'en'] as const) {
    it(`draws every label inside its chart at 390 px (${lang})`, async () => {
      await page.setViewportSize(PHONE);
      const response = await page.goto(`/stats?lang=${lang}`);
      await expect(text(page, 'h1')).resolves.toBe(lang === 'zh' ? '质量信用统计' : 'Quality-credit statistics');
      await expect(page.locator('svg.chart').count()).resolves.toBe(3);
      await expect(page.evaluate<string[]>(OUTSIDE)).resolves.toEqual([]);
      for (const chart of await page.evaluate<{ width: number; smallest: number }[]>(DRAWN)) {
        expect(chart.width).toBeLessThanOrEqual(PHONE.width - 16);
        expect(chart.smallest).toBeGreaterThanOrEqual(8.5);
      }
      // Horizontal bars: one row per district, the name written out on the left.
      const districts = await page.locator('#chart-grades svg text[text-anchor="end"]').allTextContents();
      expect(districts).toEqual(
        lang === 'zh'
          ? ['市本级', '鹿城区', '永嘉县', '瑞安市', '龙港市']
          : ['Wenzhou (city level)', 'Lucheng District', 'Yongjia County', "Rui'an", 'Longgang'],
      );
      await expect(page.locator('#chart-passrate svg .reference').count()).resolves.toBe(1);
      await checkPublicPage(page, response, `stats-charts-${lang}`, MAX_STATS_PAGE_BYTES);
      // The same at desktop width.
      await page.setViewportSize({ width: 1280, height: 900 });
      await expect(page.evaluate<string[]>(OUTSIDE)).resolves.toEqual([]);
    });
  }
});
