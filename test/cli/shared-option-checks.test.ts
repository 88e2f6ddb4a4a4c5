// Option checks shared by the CLI and the API, and the open-file limit that caps connections.
import { startEchoServer, type EchoServerOptions } from '../../src';
import { connectionsAllowedByFdLimit, FD_RESERVE, openFileLimit } from '../../src/edge/fd-limit';
import { normalizeOrigin } from '../../src/protocols/http-syntax';
import { resolveOptions } from '../../src/options/options';
import { exposure } from '../../src/edge/listener';
import { RULES, describeRule, parseNumber } from '../../src/core/validate';

describe('parseNumber', () => {
  it.each([
    ['8080', RULES.port, 8080],
    ['0', RULES.port, 0],
    ['0.25', RULES.idleTimeout, 0.25],
    [' 42 ', RULES.bufferSize, 42],
  ])('accepts %j', (text, rule, value) => expect(parseNumber(text, rule)).toBe(value));

  it.each([
    ['', RULES.port],
    ['abc', RULES.port],
    ['0x10', RULES.port],
    ['1e3', RULES.port],
    ['-1', RULES.bufferSize],
    ['70000', RULES.port],
    ['1.5', RULES.maxPayload],
    ['0', RULES.bufferSize],
  ])('refuses %j', (text, rule) => expect(parseNumber(text, rule)).toBeUndefined());

  it('says each rule in words', () => {
    expect(describeRule(RULES.port)).toBe('a whole number from 0 to 65535');
    expect(describeRule(RULES.maxConnections)).toBe('a whole number of at least 1');
  });
});

describe('startEchoServer option checks', () => {
  it.each<[EchoServerOptions, RegExp]>([
    [{ mode: 'sideways' as never }, /mode must be one of one-shot, whole-message, forever, graceful, got "sideways"/],
    [{ port: 70000 }, /port must be a whole number from 0 to 65535, got 70000/],
    [{ bufferSize: 0 }, /bufferSize must be a whole number from 1/],
    [{ idleTimeout: -1 }, /idleTimeout must be 0 \(off\) or a number from 0\.001/],
    [{ path: 'echo' }, /path must start with "\/"/],
    [{ tls: { cert: 'x', key: '' } }, /tls needs both cert and key/],
    [{ portt: 8080 } as EchoServerOptions, /unknown option portt; known: mode, port, host/],
    [{ origins: ['example.com'] }, /origins: "example.com" is not an origin like https:\/\/example\.com/],
  ])('refuses %j with a usage error (exit code 2)', async (options, message) => {
    await expect(startEchoServer(options)).rejects.toMatchObject({
      name: 'EchoServerError',
      exitCode: 2,
      message: expect.stringMatching(message),
    });
  });

  it('fills in the documented defaults, in milliseconds', () => {
    expect(resolveOptions({})).toMatchObject({
      mode: 'graceful',
      port: 0,
      host: '127.0.0.1',
      bufferSize: 8,
      maxPayload: 100 * 1024 * 1024,
      maxConnections: Infinity,
      idleTimeoutMs: 0,
      pingIntervalMs: 0,
      handshakeTimeoutMs: 10_000,
      closeTimeoutMs: 2_000,
      log: false,
    });
  });
});

describe('open-file limit', () => {
  const limits = (soft: string): string =>
    `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}               1048576              files\n`;
  it('reads the soft limit and leaves room for the process itself', () => {
    expect(openFileLimit(limits('1024'))).toBe(1024);
    expect(connectionsAllowedByFdLimit(1024)).toBe(1024 - FD_RESERVE);
    expect(connectionsAllowedByFdLimit(10)).toBe(1);
  });
  it('sets no cap when the limit is unlimited or unknown', () => {
    expect(openFileLimit(limits('unlimited'))).toBeUndefined();
    expect(openFileLimit('')).toBeUndefined();
    expect(connectionsAllowedByFdLimit(undefined)).toBe(Infinity);
  });
});

describe('exposure', () => {
  it.each([
    ['127.0.0.1', undefined],
    ['127.0.0.2', undefined],
    ['::1', undefined],
    ['::ffff:127.0.0.1', undefined],
    ['0.0.0.0', 'listening on all interfaces (0.0.0.0)'],
    ['::', 'listening on all interfaces (::)'],
    ['192.168.1.20', 'listening on a network interface (192.168.1.20)'],
    ['fe80::1', 'listening on a network interface (fe80::1)'],
  ])('%s: %s', (address, warning) => expect(exposure(address)).toBe(warning));
});

describe('normalizeOrigin', () => {
  it.each([
    ['https://Example.com', 'https://example.com'],
    ['http://a.test:80', 'http://a.test'],
    ['http://a.test/', 'http://a.test'],
    ['https://a.test:8443', 'https://a.test:8443'],
    ['null', 'null'],
    ['http://a.test/app', undefined],
    ['http://a.test?x=1', undefined],
    ['a.test', undefined],
    ['--port', undefined],
  ])('%j is %j', (text, origin) => expect(normalizeOrigin(text)).toBe(origin));
});
