// Debian's Chromium through playwright-core, set up to stay offline: for tests of what a browser shows.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; `make test` installs it when missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and other artefacts tests leave for people to look at. */
export const TEST_RESULTS = path.join(__dirname, '..', '..', '..', 'test-results');

/** Switches that keep Chromium from reaching outside hosts (there is no network here but loopback). */
const OFFLINE_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-extensions',
];

/**
 * Launches headless Chromium (with `extraArgs`, e.g. --ignore-certificate-errors); throws a one-line hint when it is
 * not installed.
 */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: run \`make test\` (it installs Debian's chromium) or apt-get install chromium`,
    );
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...OFFLINE_ARGS, ...(root ? ['--no-sandbox'] : []), ...extraArgs],
  });
}

/** One headless Chromium for the tests of a file (see {@link useBrowser}). */
export interface FileBrowser {
  /** The browser, launched before the file's first test and closed after its last. */
  readonly browser: Browser;
  /** One page the file's tests share, opened with the browser. */
  readonly page: Page;
  /** Opens a fresh page (e.g. with its own viewport), closed after the current test. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

/**
 * Registers a beforeAll that launches Chromium (with `extraArgs`, see {@link launchBrowser}) and opens a shared page,
 * an afterEach that closes the pages a test opened with `newPage`, and an afterAll that closes the browser. Call it
 * before perTest(): Jest runs afterEach hooks in the order they were registered, so the pages close before the
 * servers they talk to.
 */
export function useBrowser(extraArgs: string[] = []): FileBrowser {
  let browser: Browser | undefined;
  let page: Page | undefined;
  const opened: Page[] = [];
  beforeAll(async () => {
    browser = await launchBrowser(extraArgs);
    page = await browser.newPage();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((each) => each.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  const launched = (): Browser => {
    if (!browser) throw new Error('the browser is launched in beforeAll: use it inside a test');
    return browser;
  };
  return {
    get browser() {
      return launched();
    },
    get page() {
      launched();
      return page as Page;
    },
    async newPage(options) {
      const fresh = await launched().newPage(options);
      opened.push(fresh);
      return fresh;
    },
  };
}

/** Saves a full-page screenshot as test-results/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(TEST_RESULTS, { recursive: true });
  const file = path.join(TEST_RESULTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
