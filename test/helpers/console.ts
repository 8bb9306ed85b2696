import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page, Response } from 'playwright-core';
import type { TestApp } from './test-app';

/**
 * The staff console in a real browser: Debian's Chromium driven by playwright-core. One browser
 * per test file (`ConsoleBrowser.start`), one context per person signed in (`signIn`), every wait
 * on a selector, a navigation or a response, never a sleep. Screenshots land in test/artifacts/
 * (not committed) at desktop and phone width.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '../artifacts');
/** The limit for a console page, before compression. */
export const MAX_CONSOLE_PAGE_BYTES = 60 * 1024;
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export class ConsoleBrowser {
  private constructor(
    readonly browser: Browser,
    readonly base: string,
  ) {}

  /** Listens on a free port of 127.0.0.1 and opens Chromium. */
  static async start(t: TestApp): Promise<ConsoleBrowser> {
    mkdirSync(ARTIFACTS, { recursive: true });
    await t.app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    return new ConsoleBrowser(browser, base);
  }

  /**
   * A new browser context signed in through the /login form; lands on the person's home (the
   * console for staff, `/portal/enterprise` or `/portal/institution` for the others).
   */
  async signIn(username: string, password: string, viewport = DESKTOP): Promise<Page> {
    const context: BrowserContext = await this.browser.newContext({ viewport, baseURL: this.base, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(password);
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/login'),
      page.getByRole('button', { name: '登录' }).click(),
    ]);
    return page;
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}

/** Opens a console address and checks it answered 200 within the size limit. */
export async function open(page: Page, path: string): Promise<Response> {
  const response = await page.goto(path);
  if (!response) throw new Error(`no response for ${path}`);
  if (response.status() !== 200)
    throw new Error(`${path}: ${response.status()} ${(await response.text()).slice(0, 300)}`);
  return response;
}

/**
 * What every console page must be: under 60 KB, one h1, every field labelled, every header cell
 * scoped; then a full-page screenshot at desktop width and at phone width
 * (`test/artifacts/console-<name>-desktop.png`, `…-phone.png`).
 */
export async function checkConsolePage(page: Page, response: Response, name: string): Promise<void> {
  const bytes = (await response.body()).length;
  if (bytes >= MAX_CONSOLE_PAGE_BYTES) throw new Error(`${name}: ${bytes} bytes, over ${MAX_CONSOLE_PAGE_BYTES}`);
  const h1 = await page.locator('h1').count();
  if (h1 !== 1) throw new Error(`${name}: ${h1} h1 elements`);
  const unlabelled = await page.evaluate<number>(
    `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((f) => f.labels.length === 0).length`,
  );
  if (unlabelled) throw new Error(`${name}: ${unlabelled} fields without a label`);
  const unscoped = await page.locator('th:not([scope])').count();
  if (unscoped) throw new Error(`${name}: ${unscoped} th without scope`);
  await screenshots(page, name);
}

/** Full-page screenshots of the page as it is now, at desktop and at phone width (`<site>-<name>-desktop.png`, `…-phone.png`). */
export async function screenshots(page: Page, name: string, site: 'console' | 'public' = 'console'): Promise<void> {
  const viewport = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(ARTIFACTS, `${site}-${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(ARTIFACTS, `${site}-${name}-phone.png`), fullPage: true });
  await page.setViewportSize(viewport);
}

/** The trimmed text of the first element `selector` finds ('' when it has none). */
export const text = async (page: Page, selector: string): Promise<string> =>
  ((await page.locator(selector).textContent()) ?? '').trim();

/** Clicks a submit button and waits for the post's answer and the page it shows (or redirects to, `path`). */
export async function submit(page: Page, name: string, path: (url: URL) => boolean = () => true): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.waitForURL(path, { waitUntil: 'load' }),
    page.getByRole('button', { name, exact: true }).click(),
  ]);
  return response;
}
