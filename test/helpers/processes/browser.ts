// Debian's Chromium through playwright-core, set up to stay offline: for tests of what a browser shows.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

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

/** Saves a full-page screenshot as test-results/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(TEST_RESULTS, { recursive: true });
  const file = path.join(TEST_RESULTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
