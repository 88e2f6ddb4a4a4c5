// Chromium and RFC 8441: the console page loaded over HTTP/2 (TLS, ALPN h2) opens its WebSocket on that connection,
// logged as h2; with the setting not advertised it falls back to HTTP/1.1; with h2-refuse or h2-reset the page's
// WebSocket fails as the broken apps' users saw (an error event, then close 1006), while the page itself loaded.
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import type { EchoServer, EchoServerOptions } from '../../src';
import { jsonLogInMemory } from '../helpers/log-sink';
import { useBrowser } from '../helpers/processes/browser';
import { perTest } from '../helpers/per-test';
import { makeTestCert, type TestCert } from '../helpers/tls-cert';

// The test certificate is self-signed; only this test's browser is told to accept it.
const chromium = useBrowser(['--ignore-certificate-errors']);
const { serve } = perTest();
let cert: TestCert;

beforeAll(() => {
  cert = makeTestCert();
});
afterAll(() => cert?.remove());

/** A TLS server with --h2 and `options`, its JSON log kept. */
async function h2Server(
  options: EchoServerOptions,
): Promise<{ server: EchoServer; log: ReturnType<typeof jsonLogInMemory> }> {
  const log = jsonLogInMemory();
  const server = await serve({ h2: true, tls: { cert: cert.cert, key: cert.key }, log: log.options, ...options });
  return { server, log };
}

/** Loads the console page of `server` and returns it with the HTTP version the page came over. */
async function openConsole(server: EchoServer): Promise<{ page: Page; pageProtocol: string }> {
  const page = await chromium.newPage();
  const response = await page.goto(server.url.replace(/^wss/, 'https'));
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
  const pageProtocol = await page.evaluate(
    () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol,
  );
  return { page, pageProtocol };
}

/** What the page's WebSocket saw: each event in order, and the close code. */
interface PageSocket {
  events: string[];
  code: number;
}

/**
 * Clicks the console page's Connect and waits for how it ends: open (then it sends "hi" and reads the echo) or
 * closed. The page's own WebSocket is observed through its events, wrapped before Connect is clicked.
 */
async function connectAndWatch(page: Page): Promise<PageSocket> {
  await page.evaluate(() => {
    const Original = window.WebSocket;
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    window.WebSocket = class extends Original {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('open', () => seen.push('open'));
        this.addEventListener('error', () => seen.push('error'));
        this.addEventListener('message', (e) => seen.push(`message ${String(e.data)}`));
        this.addEventListener('close', (e) => seen.push(`close ${e.code}`));
      }
    } as typeof WebSocket;
  });
  await page.click('#connect');
  await page.waitForFunction(() =>
    (window as unknown as { seen: string[] }).seen.some((e) => e === 'open' || e.startsWith('close')),
  );
  const opened = await page.evaluate(() => (window as unknown as { seen: string[] }).seen.includes('open'));
  if (opened) {
    await page.check('#as-text');
    await page.fill('#message', 'hi');
    await page.click('#send');
    await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.includes('message hi'));
  }
  const events = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  const close = events.find((e) => e.startsWith('close'));
  return { events, code: close === undefined ? 0 : Number(close.split(' ')[1]) };
}

/** The transport the server's log gave the one WebSocket that connected, or undefined if none did. */
function loggedTransport(log: ReturnType<typeof jsonLogInMemory>): unknown {
  return log.events().find((e) => e.event === 'connection')?.transport;
}

test('the console page over HTTP/2 opens its WebSocket on the same connection, logged as h2', async () => {
  const { server, log } = await h2Server({});
  const { page, pageProtocol } = await openConsole(server);
  expect(pageProtocol).toBe('h2');
  expect((await connectAndWatch(page)).events).toEqual(['open', 'message hi']);
  expect(loggedTransport(log)).toBe('h2');
});

test('--no-h2-advertise: the page still comes over HTTP/2, its WebSocket falls back to HTTP/1.1', async () => {
  const { server, log } = await h2Server({ h2Advertise: false });
  const { page, pageProtocol } = await openConsole(server);
  expect(pageProtocol).toBe('h2');
  expect((await connectAndWatch(page)).events).toEqual(['open', 'message hi']);
  expect(loggedTransport(log)).toBe('http/1.1');
});

const FAULTS: Array<[string, EchoServerOptions, RegExp]> = [
  ['h2-refuse 405 (the CONNECT answered 405)', { h2Refuse: 405 }, /refused as asked \(h2-refuse=405\)/],
  ['h2-reset (the stream reset)', { h2Reset: true }, /stream reset \(RST_STREAM CANCEL\) as asked \(h2-reset\)/],
];

test.each(FAULTS)('%s: the page loads, its WebSocket fails with error then 1006', async (_name, options, reason) => {
  const { server, log } = await h2Server(options);
  const { page, pageProtocol } = await openConsole(server);
  expect(pageProtocol).toBe('h2');
  expect(await connectAndWatch(page)).toEqual({ events: ['error', 'close 1006'], code: 1006 });
  expect(loggedTransport(log)).toBeUndefined();
  const rejected = log.events().filter((e) => e.event === 'rejected');
  expect(rejected.map((e) => String(e.reason)).join('')).toMatch(reason);
});
