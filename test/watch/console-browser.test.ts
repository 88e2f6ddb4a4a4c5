// The console page in real Chromium: connect, send text and binary, close, in each ending; phone, keyboard, wss://.
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { BEHAVIOUR_PARAMETERS } from '../../src/behaviour/parameters';
import type { EchoServer, EchoServerOptions } from '../../src';
import { saveScreenshot, useBrowser } from '../helpers/processes/browser';
import { perTest } from '../helpers/per-test';
import { makeTestCert, type TestCert } from '../helpers/tls-cert';

// The test certificate is self-signed; only this test's browser is told to accept it.
const chromium = useBrowser(['--ignore-certificate-errors']);
const { serve, defer } = perTest();
let cert: TestCert;

beforeAll(() => {
  cert = makeTestCert();
});
afterAll(() => cert?.remove());

const PHONE = { width: 390, height: 844 };

/**
 * Opens the console page of `server` (at `pagePath`) in a fresh page; fails the test on any page error or CSP report.
 */
async function openConsole(server: EchoServer, viewport = { width: 1100, height: 900 }, pagePath = '/'): Promise<Page> {
  const page = await chromium.newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
  defer(() => expect(problems).toEqual([]));
  const httpUrl = server.url.replace(/^ws/, 'http').replace(/^(\w+:\/\/[^/]+).*$/, '$1') + pagePath;
  const response = await page.goto(httpUrl);
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
  return page;
}

/** The log's entries as text, oldest first. */
function logEntries(page: Page): Promise<string[]> {
  return page.$$eval('#log li', (items) => items.map((item) => item.textContent ?? ''));
}

async function waitForLog(page: Page, pattern: RegExp): Promise<string> {
  await page.waitForFunction(
    (source) =>
      Array.from(document.querySelectorAll('#log li')).some((li) => new RegExp(source).test(li.textContent ?? '')),
    pattern.source,
  );
  return (await logEntries(page)).find((entry) => pattern.test(entry)) as string;
}

async function connect(page: Page): Promise<void> {
  await page.click('#connect');
  await page.waitForSelector('#state[data-state=open]');
}

async function sendText(page: Page, text: string): Promise<void> {
  await page.check('#as-text');
  await page.fill('#message', text);
  await page.click('#send');
}

async function sendHex(page: Page, hex: string): Promise<void> {
  await page.check('#as-binary');
  await page.fill('#message', hex);
  await page.click('#send');
}

/** How the page says the connection ended: code and clean, once it has. */
async function ending(page: Page): Promise<{ code: string; clean: string; text: string }> {
  const ended = await page.waitForSelector('#ended[data-code]');
  return {
    code: (await ended.getAttribute('data-code')) ?? '',
    clean: (await ended.getAttribute('data-clean')) ?? '',
    text: (await ended.textContent()) ?? '',
  };
}

describe('the console page, clicked through in Chromium', () => {
  it('graceful: echoes text and binary with size and round-trip time, and a close from the page ends clean with 1000', async () => {
    const page = await openConsole(await serve({ mode: 'graceful' }));
    await connect(page);
    await sendText(page, 'héllo');
    expect(await waitForLog(page, /echo text/)).toMatch(/echo text 6 B "héllo" · \d+\.\d ms$/);
    await sendHex(page, '00 01 ff');
    expect(await waitForLog(page, /echo binary/)).toMatch(/echo binary 3 B <00 01 ff> · \d+\.\d ms$/);
    await page.fill('#close-code', '1000');
    await page.fill('#close-reason', 'done');
    await page.click('#close');
    expect(await ending(page)).toEqual({ code: '1000', clean: 'true', text: 'Ended: code 1000 reason "done", clean' });
    await saveScreenshot(page, 'console-graceful');
  });

  it('forever: echoes both, but the close is never answered: 1006, not clean', async () => {
    const page = await openConsole(await serve({ mode: 'forever' }));
    await connect(page);
    await sendText(page, 'again');
    await waitForLog(page, /echo text 5 B "again"/);
    await sendHex(page, '0xCA 0xFE');
    await waitForLog(page, /echo binary 2 B <ca fe>/);
    await page.click('#close');
    expect(await ending(page)).toMatchObject({ code: '1006', clean: 'false' });
    await saveScreenshot(page, 'console-forever');
  });

  it('one-shot: the first 8 bytes come back once, then the connection drops: 1006, not clean, and sending is off', async () => {
    const page = await openConsole(await serve({ mode: 'one-shot' }));
    await connect(page);
    await sendText(page, 'abcdefghijkl');
    expect(await waitForLog(page, /echo text/)).toMatch(/echo text 8 B "abcdefgh"/);
    expect(await ending(page)).toMatchObject({ code: '1006', clean: 'false' });
    expect(await page.isDisabled('#send')).toBe(true);
    expect(await page.isDisabled('#close')).toBe(true);
    expect(await page.isEnabled('#connect')).toBe(true);
    await saveScreenshot(page, 'console-one-shot');
  });

  it('over wss:// (--cert/--key) the page builds a wss:// URL and echoes', async () => {
    const server = await serve({ tls: { cert: cert.cert, key: cert.key } });
    const page = await openConsole(server);
    expect(page.url()).toMatch(/^https:/);
    expect(await page.inputValue('#url')).toBe(`wss://127.0.0.1:${server.port}/`);
    await connect(page);
    await sendText(page, 'secure');
    await waitForLog(page, /echo text 6 B "secure"/);
    await saveScreenshot(page, 'console-wss');
  });

  it('on a phone-sized screen: nothing scrolls sideways and the whole round trip works', async () => {
    const page = await openConsole(await serve(), PHONE);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      screen: window.innerWidth,
    }));
    expect(widths.page).toBeLessThanOrEqual(widths.screen);
    await connect(page);
    await sendText(page, 'small screen');
    await waitForLog(page, /echo text 12 B "small screen"/);
    await page.click('#close');
    expect(await ending(page)).toMatchObject({ code: '1000', clean: 'true' });
    await saveScreenshot(page, 'console-phone');
  });

  it('with the keyboard alone: Tab to Connect, Enter sends, focus is visible, close by keyboard', async () => {
    const page = await openConsole(await serve());
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    // Tab order follows the page: mode, the parameter group, subprotocols, URL, Copy, Connect.
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      order.push((await focused()) || (await page.evaluate(() => document.activeElement?.tagName.toLowerCase() ?? '')));
    }
    expect(order).toEqual(['p-mode', 'summary', 'subprotocols', 'url', 'copy', 'connect']);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#state[data-state=open]');
    expect(await focused()).toBe('message'); // focus moves to the message once connected
    await page.keyboard.type('typed');
    await page.keyboard.press('Enter');
    await waitForLog(page, /echo text 5 B "typed"/);
    // Shift+Tab back to "binary (hex)", arrow keys pick it, then type hex and Enter.
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('as-text');
    await page.keyboard.press('ArrowRight');
    expect(await page.isChecked('#as-binary')).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('de ad');
    await page.keyboard.press('Enter');
    await waitForLog(page, /echo binary 2 B <de ad>/);
    // On to the close code and reason, then the Send close button.
    await page.keyboard.press('Tab'); // Send
    await page.keyboard.press('Tab'); // close code
    expect(await focused()).toBe('close-code');
    await page.keyboard.press('Tab'); // reason
    await page.keyboard.type('by keyboard');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('close');
    await page.keyboard.press('Enter');
    expect(await ending(page)).toMatchObject({ code: '1000', clean: 'true' });
    // The close button is now disabled: focus goes to Connect, ready for the next round.
    expect(await focused()).toBe('connect');
    await saveScreenshot(page, 'console-keyboard');
  });
});

describe('the console page: form, checks, escaping, log', () => {
  it('has a field for every per-connection parameter, by kind, and builds the URL from them', async () => {
    const page = await openConsole(await serve());
    const fields = await page.$$eval('[data-param]', (elements) =>
      elements.map((el) => ({
        name: (el as HTMLElement).dataset.param,
        tag: el.tagName.toLowerCase(),
        type: (el as HTMLInputElement).type,
      })),
    );
    const expected = {
      choice: ['select', 'select-one'],
      integer: ['input', 'text'],
      number: ['input', 'text'],
      'integer-range': ['input', 'text'],
      text: ['input', 'text'],
      flag: ['input', 'checkbox'],
    };
    expect(fields).toEqual(
      BEHAVIOUR_PARAMETERS.map((p) => ({ name: p.name, tag: expected[p.kind][0], type: expected[p.kind][1] })),
    );
    await page.click('#more-params summary');
    const byKind = (kind: string) => BEHAVIOUR_PARAMETERS.find((p) => p.kind === kind)!;
    await page.selectOption('#p-mode', 'forever');
    await page.fill(`#p-${byKind('integer-range').name}`, '10-20');
    await page.fill(`#p-${byKind('text').name}`, 'a b&c');
    await page.check(`#p-${byKind('flag').name}`);
    const query = new URL((await page.inputValue('#url')).replace(/^ws/, 'http')).searchParams;
    expect(query.get('mode')).toBe('forever');
    expect(query.get(byKind('integer-range').name)).toBe('10-20');
    expect(query.get(byKind('text').name)).toBe('a b&c');
    expect(query.get(byKind('flag').name)).toBe('1');
  });

  it('names a bad parameter value and its valid range, and does not connect', async () => {
    const page = await openConsole(await serve());
    const integer = BEHAVIOUR_PARAMETERS.find((p) => p.kind === 'integer' && p.max !== Number.MAX_SAFE_INTEGER)!;
    await page.click('#more-params summary');
    await page.fill(`#p-${integer.name}`, String(integer.max! + 1));
    await page.click('#connect');
    expect(await page.textContent('#connect-error')).toBe(
      `${integer.name} must be a whole number in ${integer.min}–${integer.max}${integer.unit ? ' ' + integer.unit : ''}; got "${integer.max! + 1}"`,
    );
    expect(await page.getAttribute(`#p-${integer.name}`, 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`p-${integer.name}`);
    expect(await page.getAttribute('#state', 'data-state')).toBe('closed');
  });

  it('offers the subprotocols typed, comma separated, and shows the one the server chose', async () => {
    const page = await openConsole(await serve());
    await page.fill('#subprotocols', 'chat.v2, chat');
    await connect(page);
    expect(await waitForLog(page, /open/)).toMatch(/subprotocol "chat\.v2"$/);
  });

  it('refuses hex that is not hex, saying why, and sends nothing', async () => {
    const page = await openConsole(await serve());
    await connect(page);
    await sendHex(page, '01 zz');
    expect(await page.textContent('#send-error')).toBe('Not hex: "z". Type bytes as hex pairs, like 01 ff 7a.');
    await sendHex(page, '012');
    expect(await page.textContent('#send-error')).toBe('Odd number of hex digits (3): each byte takes two, like 0f.');
    expect((await logEntries(page)).filter((entry) => / sent /.test(entry))).toEqual([]);
  });

  it('shows markup that comes back as text: nothing received becomes HTML', async () => {
    const page = await openConsole(await serve());
    await connect(page);
    const markup = '<img src=x onerror="window.__injected=1"><b>bold</b>';
    await sendText(page, markup);
    expect(await waitForLog(page, /echo text/)).toContain(JSON.stringify(markup));
    expect(await page.$$('#log img, #log b b')).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
  });

  it('keeps the newest 500 log entries, newest last, and clears on request', async () => {
    const page = await openConsole(await serve());
    await connect(page);
    await page.evaluate(() => {
      const form = document.getElementById('send-form') as HTMLFormElement;
      const message = document.getElementById('message') as HTMLInputElement;
      for (let i = 1; i <= 300; i++) {
        message.value = `m${i}`;
        form.requestSubmit();
      }
    });
    await waitForLog(page, /echo text 4 B "m300"/);
    const entries = await logEntries(page);
    expect(entries).toHaveLength(500);
    expect(entries[entries.length - 1]).toMatch(/echo text 4 B "m300"/);
    expect(await page.textContent('#log-count')).toBe('500 of at most 500 entries');
    await page.click('#clear');
    expect(await logEntries(page)).toEqual([]);
  });

  it('with a --path, the URL uses that path wherever the page was opened', async () => {
    const server = await serve({ path: '/chat' } satisfies EchoServerOptions);
    const page = await openConsole(server, undefined, '/somewhere/else');
    expect(await page.inputValue('#url')).toBe(`ws://127.0.0.1:${server.port}/chat`);
    await connect(page);
  });
});
