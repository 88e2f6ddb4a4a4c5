// Option checks shared by the CLI and the API: bad values are refused with a clear message.
import { startEchoServer, type EchoServerOptions } from '../src';
import { resolveOptions } from '../src/options';
import { RULES, describeRule, parseNumber } from '../src/validate';

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
    [{ idleTimeout: -1 }, /idleTimeout must be a number from 0/],
    [{ path: 'echo' }, /path must start with "\/"/],
    [{ tls: { cert: 'x', key: '' } }, /tls needs both cert and key/],
  ])('refuses %j with a usage error (exit code 2)', async (options, message) => {
    await expect(startEchoServer(options)).rejects.toMatchObject({ name: 'EchoServerError', exitCode: 2, message: expect.stringMatching(message) });
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
