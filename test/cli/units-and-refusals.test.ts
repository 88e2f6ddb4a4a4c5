// What the command line and the API accept and how they say no: units in
// sizes and durations, times that would round to 0, paths that can never match, --cert/--key
// that are not regular files, API errors in API words, and --help that fits 80 columns.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startEchoServer, type EchoServerOptions } from '../../src';
import { durationFlag, sizeFlag } from '../../src/cli/units';
import { RULES } from '../../src/core/validate';
import { runCliToEnd, type RunResult } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';
import { makeTestCert, type TestCert } from '../helpers/tls-cert';

const { cliServer, client } = perTest();

/** Asserts a usage error: exit 2, `error:` naming `flag` and matching `pattern`, no stack. */
function expectUsageError(result: RunResult, flag: string, pattern: RegExp): void {
  expect(result.code).toBe(2);
  const [first] = result.stderr.split('\n');
  expect(first).toContain(flag);
  expect(first).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('sizes and durations take units', () => {
  it.each([
    ['16MiB', 16 * 1024 * 1024],
    ['64KB', 64_000],
    ['64kb', 64_000],
    ['1.5KiB', 1536],
    ['100 MB', 100_000_000],
    ['512B', 512],
    ['4096', 4096],
  ])('size %j is %d bytes', (text, bytes) => expect(sizeFlag(RULES.maxPayload)(text)).toBe(bytes));

  it.each([
    ['30s', 30],
    ['500ms', 0.5],
    ['2m', 120],
    ['1h', 3600],
    ['0.25', 0.25],
    ['0', 0],
  ])('duration %j is %d seconds', (text, seconds) => expect(durationFlag(RULES.idleTimeout)(text)).toBe(seconds));

  it.each([
    [
      '--max-payload',
      '16XB',
      /It must be bytes or a size with a unit \(64KiB, 16MiB, 100MB\): a whole number from 1 to \d+ bytes\./,
    ],
    ['--max-payload', '1.5B', /a whole number from 1/],
    ['--buffer-size', '-1KiB', /It must be bytes or a size with a unit/],
    [
      '--idle-timeout',
      '30 seconds',
      /It must be seconds or a duration with a unit \(500ms, 30s, 2m\): 0 \(off\) or a number from 0\.001/,
    ],
    ['--handshake-timeout', '0ms', /It must be seconds or a duration with a unit/],
  ])('%s %j is a usage error naming the flag and the valid forms', async (flag, value, pattern) => {
    expectUsageError(await runCliToEnd(['--port', '0', flag, value]), flag, pattern);
  });

  it('--max-payload 1KiB closes a client that sends 1025 bytes with 1009', async () => {
    const cli = await cliServer(['--max-payload', '1KiB', '--quiet']);
    const c = await client(cli.url);
    c.ws.send(Buffer.alloc(1024));
    await c.nextMessages(1);
    c.ws.send(Buffer.alloc(1025));
    expect((await c.closed).code).toBe(1009);
  });

  it('--idle-timeout 300ms closes a silent client with 1000 "idle timeout"', async () => {
    const cli = await cliServer(['--idle-timeout', '300ms', '--quiet']);
    const c = await client(cli.url);
    expect(await c.closed).toEqual({ code: 1000, reason: 'idle timeout' });
  });

  it('per-connection flags take units too: --fragment 1KiB, --delay 0.2s, --ping-interval 500ms', async () => {
    const cli = await cliServer(['--fragment', '1KiB', '--delay', '0.2s', '--ping-interval', '500ms']);
    expect(cli.stdout().split('\n')[0]).toMatch(/\[delay=200 fragment=1024 ping-interval=0\.5\]$/);
    const c = await client(cli.url);
    const sentAt = Date.now();
    c.ws.send(Buffer.alloc(3000, 1));
    const [echo] = await c.nextMessages(1);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(190);
    expect(echo.data.equals(Buffer.alloc(3000, 1))).toBe(true);
  });
});

describe('times that would round to 0 ms (which means off) are refused', () => {
  it.each(['--idle-timeout', '--ping-interval'])('%s 0.0004', async (flag) => {
    expectUsageError(await runCliToEnd(['--port', '0', flag, '0.0004']), flag, /0 \(off\) or a number from 0\.001/);
  });

  it.each<EchoServerOptions>([{ idleTimeout: 0.0004 }, { pingInterval: 0.0004 }, { closeTimeout: 0.0004 }])(
    'the API refuses %j',
    async (options) => {
      await expect(startEchoServer(options)).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(/must be 0 \(off\) or a number from 0\.001/),
      });
    },
  );
});

describe('a --path that can never match is refused', () => {
  it.each([
    ['/chat?x=1', /must not hold a query/],
    ['/a#b', /must not hold a fragment/],
    ['/a b', /can never match: .*\(a space is %20\)/],
    ['/café', /can never match/],
    ['chat', /must start with "\/"/],
  ])('--path %j', async (value, pattern) => {
    expectUsageError(await runCliToEnd(['--port', '0', '--path', value]), '--path', pattern);
  });

  it('and by the API', async () => {
    await expect(startEchoServer({ path: '/a b' })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^path can never match.*, got "\/a b"$/),
    });
  });

  it('a path with %-escapes and sub-delims is accepted', async () => {
    const cli = await cliServer(['--path', "/a%20b/c;v=1/d@e:f!$&'()*+,=~"]);
    expect(cli.url).toMatch(/\/a%20b\/c;v=1\/d@e:f!\$&'\(\)\*\+,=~$/);
  });
});

describe('--cert and --key must be regular files of sane size', () => {
  let tls: TestCert;
  beforeAll(() => {
    tls = makeTestCert();
  });
  afterAll(() => tls?.remove());

  it.each(['/dev/zero', '/dev/urandom'])('--cert %s: one line, exit 1, nothing read', async (device) => {
    const result = await runCliToEnd(['--port', '0', '--cert', device, '--key', tls.keyFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: cannot read --cert file "${device}": it is not a regular file (a device, a pipe or a socket)\n`,
    );
  });

  it('--key larger than 1 MiB: one line, exit 1', async () => {
    const big = path.join(tls.dir, 'big-key.pem');
    writeFileSync(big, Buffer.alloc(1024 * 1024 + 1, 'a'));
    const result = await runCliToEnd(['--port', '0', '--cert', tls.certFile, '--key', big]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: cannot read --key file ".*big-key\.pem": it is 1048577 bytes, larger than a PEM file can be \(limit 1048576\)\n$/,
    );
  });

  it('a file name passed as tls.cert to the API gets a hint that it takes PEM text', async () => {
    await expect(startEchoServer({ tls: { cert: 'cert.pem', key: tls.key } })).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(
        /tls\.cert and tls\.key take PEM text or a Buffer, not a file name: pass fs\.readFileSync\("cert\.pem"\)/,
      ),
    });
  });
});

describe('errors in the words of the API or of the command line', () => {
  let blocker: net.Server;
  let port: number;
  beforeAll(async () => {
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as net.AddressInfo).port;
  });
  afterAll(() => blocker.close());

  it('the API names the port option, not a flag', async () => {
    const attempt = startEchoServer({ port });
    await expect(attempt).rejects.toMatchObject({
      exitCode: 1,
      message: `port ${port} is already in use on 127.0.0.1; choose another with the port option, or port: 0 for a free one`,
    });
  });

  it('the CLI names --port', async () => {
    const { stderr } = await runCliToEnd(['--port', String(port)]);
    expect(stderr).toBe(
      `error: port ${port} is already in use on 127.0.0.1; choose another with --port, or --port 0 for a free one\n`,
    );
  });
});

describe('--help', () => {
  it('fits 80 columns', async () => {
    const { code, stdout } = await runCliToEnd(['--help']);
    expect(code).toBe(0);
    expect(stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
    expect(stdout).toMatch(/--max-payload <size>/);
    expect(stdout).toMatch(/--idle-timeout <duration>/);
  });
});
