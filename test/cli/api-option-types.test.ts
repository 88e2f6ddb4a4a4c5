// startEchoServer() rejects options of the wrong type (a JavaScript caller can pass anything) with EchoServerError
// naming the option and what it allows.
import { EchoServerError, startEchoServer, type EchoServerOptions } from '../../src';

/** What startEchoServer() rejects with for `options` (it must reject). */
async function rejection(options: unknown): Promise<EchoServerError> {
  const outcome = await startEchoServer(options as EchoServerOptions).then(
    async (server) => {
      await server.close();
      return undefined;
    },
    (error: unknown) => error,
  );
  if (!(outcome instanceof EchoServerError)) throw new Error(`expected an EchoServerError, got ${String(outcome)}`);
  expect(outcome.exitCode).toBe(2);
  return outcome;
}

describe('options of the wrong type', () => {
  it.each([
    [{ origins: 'http://a' }, 'origins must be an array of origins such as ["https://example.com"], got "http://a"'],
    [{ origins: [1] }, 'origins must be an array of origins'],
    [{ protocols: 'mqtt' }, 'protocols: must be an array of names, such as ["mqtt"]'],
    [{ headers: ['X-A: 1'] }, 'headers must be an object such as { "X-Server": "ws-echo" }, got an array'],
    [{ host: 127 }, 'host must be a string such as "127.0.0.1", got 127'],
    [{ path: 5 }, 'path must be a string such as "/ws", got 5'],
    [{ deflate: 'yes' }, 'deflate must be true or false, got "yes"'],
    [{ metrics: 1 }, 'metrics must be true or false, got 1'],
    [{ tls: 'cert.pem' }, 'tls must be { cert, key } with PEM strings or Buffers, got "cert.pem"'],
    [{ tls: { cert: 1, key: 'k' } }, 'tls must be { cert, key } with PEM strings or Buffers, got an object'],
    // A string that reads as a number is shown as a string: "got 8080" would read as a valid port.
    [{ port: '8080' }, 'port must be a whole number from 0 to 65535, got "8080"'],
    [{ maxPayload: '64KiB' }, 'maxPayload must be a whole number from 1 to 4294967296, got "64KiB"'],
    [{ idleTimeout: [5] }, 'got an array'],
  ])('%j is refused', async (options, message) => {
    expect((await rejection(options)).message).toContain(message);
  });
});

describe('options that are not an object', () => {
  it.each([
    [null, 'options must be an object, got null'],
    [[], 'options must be an object, got an array'],
    [5, 'options must be an object, got 5'],
    ['port=0', 'options must be an object, got "port=0"'],
  ])('%j is refused', async (options, message) => {
    expect((await rejection(options)).message).toBe(message);
  });
});

describe('the log option', () => {
  it.each([
    [true, "log must be false or an object such as { format: 'json' }, got true"],
    ['json', 'log must be false or an object such as { format: \'json\' }, got "json"'],
    [{ formt: 'json' }, 'unknown log option formt; known: format, quiet, color, stdout, stderr'],
    [{ format: 'xml' }, 'log.format must be "pretty" or "json", got "xml"'],
    [{ quiet: 'yes' }, 'log.quiet must be true or false, got "yes"'],
    [{ color: 1 }, 'log.color must be true or false, got 1'],
    [{ stdout: 'out.log' }, 'log.stdout must be a writable stream, got "out.log"'],
  ])('%j is refused', async (log, message) => {
    expect((await rejection({ log })).message).toBe(message);
  });

  it.each([[false], [undefined], [{}], [{ format: 'json', quiet: true, color: false }]])(
    '%j is accepted and the server echoes',
    async (log) => {
      const server = await startEchoServer({ log: log as EchoServerOptions['log'] });
      try {
        expect(server.port).toBeGreaterThan(0);
      } finally {
        await server.close();
      }
    },
  );
});
