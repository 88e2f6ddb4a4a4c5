// --header / headers: extra headers reach the 101, plain HTTP answers and refusals, never override the server's own,
// and bad ones are refused at start; over raw HTTP.
import { startEchoServer, type EchoServerOptions } from '../../src';
import { EXTRA_HEADERS_MAX_BYTES } from '../../src/protocols/extra-headers';
import { BIN, runCliToEnd, runCommand } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';
import { expectEchoes } from '../helpers/wire/raw-client';
import {
  httpRequestText,
  portOf,
  rawHttp,
  rawUpgrade,
  type HttpAnswer,
  type UpgradeRequest,
} from '../helpers/wire/raw-http';

const { serve, rawClient, cliServer, client } = perTest();

const EXTRA: EchoServerOptions['headers'] = {
  'X-Served-By': 'ws-echo test',
  'Set-Cookie': ['a=1', 'b=2'],
  'Access-Control-Allow-Origin': '*',
};

/** Asserts `answer` carries the EXTRA headers (repeated names joined by the raw reader with ", "). */
function expectExtra(answer: { headers: Record<string, string> }): void {
  expect(answer.headers).toMatchObject({
    'x-served-by': 'ws-echo test',
    'set-cookie': 'a=1, b=2',
    'access-control-allow-origin': '*',
  });
}

/** A plain request to the running server. */
function plain(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return rawHttp(port, httpRequestText(method, path, { Host: `127.0.0.1:${port}`, ...headers }));
}

describe('where the headers go', () => {
  it('the 101 answer, and the connection still echoes', async () => {
    await serve({ headers: EXTRA });
    const raw = await rawClient();
    expectExtra(raw.head);
    await expectEchoes(raw, 'hello');
  });

  it.each([
    ['GET /', 'GET', '/', 200],
    ['GET /healthz', 'GET', '/healthz', 200],
    ['POST / (405)', 'POST', '/', 405],
  ])('the plain HTTP answer to %s', async (_what, method, path, status) => {
    const server = await serve({ headers: EXTRA });
    const answer = await plain(server.port, method, path);
    expect(answer.status).toBe(status);
    expectExtra(answer);
  });

  it.each<[string, EchoServerOptions, UpgradeRequest, number]>([
    ['a wrong path (404)', { path: '/echo' }, { path: '/other' }, 404],
    [
      'a wrong origin (403)',
      { origins: ['https://example.com'] },
      { headers: { Origin: 'https://evil.example' } },
      403,
    ],
    ['a wrong version (426)', {}, { headers: { 'Sec-WebSocket-Version': '12' } }, 426],
    ['a malformed subprotocol header (400, refused by ws)', {}, { headers: { 'Sec-WebSocket-Protocol': 'a;b' } }, 400],
  ])('a refused upgrade: %s', async (_what, options, request, status) => {
    const server = await serve({ headers: EXTRA, ...options });
    const answer = await rawUpgrade(server.port, request);
    expect(answer.status).toBe(status);
    expectExtra(answer);
  });

  it("the server's own header of the same name wins: Content-Type on a plain answer, Retry-After on a 503", async () => {
    const server = await serve({
      headers: { 'Content-Type': 'application/x-custom', 'Retry-After': '120' },
      maxConnections: 1,
    });
    const page = await plain(server.port, 'GET', '/');
    expect(page.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(page.headers['retry-after']).toBe('120');
    await rawClient();
    const full = await rawUpgrade(server.port);
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('1');
  });

  it('no --header, no extra header (the answers stay as they were)', async () => {
    await serve();
    const raw = await rawClient();
    expect(Object.keys(raw.head.headers).sort()).toEqual(['connection', 'sec-websocket-accept', 'upgrade']);
  });
});

describe('the CLI', () => {
  it('--header is repeatable and reaches the 101 and plain answers', async () => {
    const cli = await cliServer([
      '--header',
      'X-Served-By: ws-echo cli',
      '--header',
      'Set-Cookie: a=1',
      '--header',
      'set-cookie:b=2',
      '--header',
      'X-Empty:',
    ]);
    const port = portOf(cli.url);
    const upgrade = await rawUpgrade(port);
    expect(upgrade.status).toBe(101);
    expect(upgrade.headers).toMatchObject({ 'x-served-by': 'ws-echo cli', 'set-cookie': 'a=1, b=2', 'x-empty': '' });
    expect((await plain(port, 'GET', '/healthz')).headers).toMatchObject({
      'x-served-by': 'ws-echo cli',
      'set-cookie': 'a=1, b=2',
    });
  });

  it.each([
    ['no colon', 'X-Served-By ws-echo', /is not a header: write it as 'Name: value'/],
    ['an empty name', ': value', /is not a header/],
    ['a space in the name', 'X Served: 1', /header name "X Served" is not valid/i],
    ['a space before the colon', 'X-Served : 1', /header name "X-Served " is not valid/i],
    ['a CR LF in the value', 'X-A: 1\r\nX-Injected: 2', /value of header X-A .* has a control character/],
    ['a control character in the value', 'X-A: 1\u0007', /value of header X-A .* has a control character/],
    ['Content-Length', 'Content-Length: 5', /Header Content-Length is written by the server itself/],
    ['Sec-WebSocket-Protocol', 'sec-websocket-protocol: mqtt', /written by the server itself .*--protocol/],
    ['Connection', 'Connection: keep-alive', /written by the server itself/],
  ])('refuses %s with exit 2 and says why', async (_what, line, reason) => {
    const { code, stderr } = await runCliToEnd(['--port', '0', '--header', line]);
    expect(code).toBe(2);
    expect(stderr).toContain(`option '--header <line>' argument '${line}' is invalid`);
    expect(stderr).toMatch(reason);
  });
});

describe(`at most ${EXTRA_HEADERS_MAX_BYTES / 1024} KiB of extra headers together`, () => {
  /** `X-Big: xxx...` lines of `size` bytes with their CRLF, in `count` headers. */
  const bigHeaders = (count: number, size: number): string[] =>
    Array.from({ length: count }, (_, i) => `X-Big-${i}: ${'x'.repeat(size - `X-Big-${i}: \r\n`.length)}`);

  it('up to the bound, a ws client still connects', async () => {
    const cli = await cliServer(bigHeaders(2, EXTRA_HEADERS_MAX_BYTES / 2).flatMap((line) => ['--header', line]));
    const ws = await client(cli.url);
    expect(ws.ws.readyState).toBe(ws.ws.OPEN);
  });

  it.each([
    ['one value over 16 KiB', bigHeaders(1, 16 * 1024 + 1)],
    ['two values that pass it together', bigHeaders(2, EXTRA_HEADERS_MAX_BYTES / 2 + 1)],
  ])('%s: refused at start (exit 2), naming the bound', async (_what, lines) => {
    const args = [BIN, '--port', '0', ...lines.flatMap((line) => ['--header', line])];
    const { code, stderr } = await runCommand(process.execPath, args, { timeoutMs: 5000 }); // not a server left running
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /headers: the extra headers come to \d+ bytes; together they may take at most 8192 \(8 KiB\)/,
    );
    const big = Object.fromEntries(lines.map((line) => line.split(': ')));
    await expect(startEchoServer({ headers: big })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('the API', () => {
  it.each<[EchoServerOptions['headers'], RegExp]>([
    [{ 'Bad Name': 'x' }, /^headers: header name "Bad Name" is not valid/],
    [{ 'X-A': 'one\ntwo' }, /^headers: the value of header X-A \("one\\ntwo"\) has a control character/],
    [{ 'X-A': ['ok', 'bad\r'] }, /^headers: the value of header X-A/],
    [{ 'Transfer-Encoding': 'chunked' }, /^headers: header Transfer-Encoding is written by the server itself/],
    [
      { 'X-Count': 5 as unknown as string },
      /^headers: the value of header X-Count must be a string or an array of strings/,
    ],
  ])('refuses %j with a usage error', async (headers, message) => {
    await expect(startEchoServer({ headers })).rejects.toMatchObject({
      name: 'EchoServerError',
      exitCode: 2,
      message: expect.stringMatching(message),
    });
  });
});
