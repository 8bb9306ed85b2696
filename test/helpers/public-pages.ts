import type { Page, Response } from 'playwright-core';
import { PHONE, screenshots } from './console';

/** The limits for a public page before compression: 40 KB, the statistics page 60 KB. */
export const MAX_PUBLIC_PAGE_BYTES = 40 * 1024;
export const MAX_STATS_PAGE_BYTES = 60 * 1024;
export const CJK_FONT_STACK =
  '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';

/**
 * What every public page must be: 200, under its size limit, one h1, the CJK font stack, a
 * language and a skip link, every field labelled, every header cell scoped, the footer naming
 * whose site it is, and nothing wider than a phone's screen; then full-page screenshots at
 * desktop and phone width (`test/artifacts/public-<name>-desktop.png`, `…-phone.png`).
 */
export async function checkPublicPage(
  page: Page,
  response: Response | null,
  name: string,
  maxBytes = MAX_PUBLIC_PAGE_BYTES,
): Promise<void> {
  if (!response) throw new Error(`${name}: no response`);
  if (response.status() !== 200) throw new Error(`${name}: ${response.status()}`);
  const bytes = (await response.body()).length;
  if (bytes >= maxBytes) throw new Error(`${name}: ${bytes} bytes, over ${maxBytes}`);
  const h1 = await page.locator('h1').count();
  if (h1 !== 1) throw new Error(`${name}: ${h1} h1 elements`);
  const font = await page.evaluate<string>('getComputedStyle(document.body).fontFamily');
  if (font !== CJK_FONT_STACK) throw new Error(`${name}: font ${font}`);
  const lang = await page.getAttribute('html', 'lang');
  if (!/^(zh-CN|en)$/.test(lang ?? '')) throw new Error(`${name}: lang ${lang}`);
  if ((await page.getAttribute('a.skip', 'href')) !== '#main') throw new Error(`${name}: no skip link`);
  const unlabelled = await page.evaluate<number>(
    `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((f) => f.labels.length === 0).length`,
  );
  if (unlabelled) throw new Error(`${name}: ${unlabelled} fields without a label`);
  const unscoped = await page.locator('th:not([scope])').count();
  if (unscoped) throw new Error(`${name}: ${unscoped} th without scope`);
  if ((await page.locator('footer #site-owner').count()) !== 1)
    throw new Error(`${name}: no footer naming the site's owner`);
  const viewport = page.viewportSize();
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  if (viewport) await page.setViewportSize(viewport);
  if (overflow > 0) throw new Error(`${name}: ${overflow}px wider than a phone's screen`);
  await screenshots(page, name, 'public');
}
