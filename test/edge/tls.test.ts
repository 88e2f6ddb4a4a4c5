// wss:// with a throwaway self-signed certificate: the CLI and the API serve it, and bad
// certificate files fail with one plain line and exit status 1, never a stack trace.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EchoServerError, startEchoServer } from '../../src';
import { runCliToEnd, type RunResult } from '../helpers/processes/cli';
import { connect } from '../helpers/clients';
import { jsonLogInMemory } from '../helpers/log-sink';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil } from '../helpers/probe';
import { openTcp } from '../helpers/wire/raw-http';
import { useTestCert } from '../helpers/tls-cert';

/** Asserts a failed start printed exactly one line on stderr, matching `pattern`, and no stack. */
function expectOneLineError(result: RunResult, code: number, pattern: RegExp): void {
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  expect({ code: result.code, lines }).toEqual({ code, lines: [expect.stringMatching(pattern)] });
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).not.toMatch(/listening on/);
}

describe('TLS', () => {
  const testCert = useTestCert();

  const { serve, client, cliServer } = perTest();

  describe('CLI --cert/--key', () => {
    it('listens on wss://, echoes to a client that trusts the certificate, and serves https /healthz', async () => {
      const cli = await cliServer(['--cert', testCert().certFile, '--key', testCert().keyFile, '--quiet']);
      expect(cli.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);

      const c = await client(cli.url, { ca: testCert().cert });
      c.ws.send('over tls');
      c.ws.send(Buffer.from([0, 1, 2, 255]));
      const [text, binary] = await c.nextMessages(2);
      expect(text).toEqual({ data: Buffer.from('over tls'), isBinary: false });
      expect(binary).toEqual({ data: Buffer.from([0, 1, 2, 255]), isBinary: true });

      const health = await getHealth(cli.url, { ca: testCert().cert });
      expect(health).toMatchObject({ status: 'ok', connections: 1 });
    });

    it('warns when a plain ws:// client connects to the wss:// port', async () => {
      const cli = await cliServer(['--cert', testCert().certFile, '--key', testCert().keyFile, '--quiet']);
      await expect(connect(cli.url.replace('wss://', 'ws://'))).rejects.toThrow();
      await pollUntil(
        () => cli.stderr(),
        (text) => text.includes('TLS handshake'),
      );
      expect(cli.stderr()).toMatch(
        /^warning: TLS handshake from 127\.0\.0\.1:\d+ failed: .* \(a ws:\/\/ client on a wss:\/\/ port\?\)$/m,
      );
    });

    it('is refused by a client that does not trust the certificate', async () => {
      const cli = await cliServer(['--cert', testCert().certFile, '--key', testCert().keyFile, '--quiet']);
      await expect(connect(cli.url)).rejects.toThrow(/self[- ]signed/i);
    });

    it('a missing certificate file: one line naming it, exit 1', async () => {
      const missing = path.join(testCert().dir, 'no-such-cert.pem');
      const result = await runCliToEnd(['--port', '0', '--cert', missing, '--key', testCert().keyFile]);
      expectOneLineError(result, 1, /^error: cannot read --cert file ".*no-such-cert\.pem": no such file$/);
    });

    it('a certificate path that cannot be read (a directory): one line, exit 1', async () => {
      const result = await runCliToEnd(['--port', '0', '--cert', testCert().dir, '--key', testCert().keyFile]);
      expectOneLineError(result, 1, /^error: cannot read --cert file ".*": it is a directory$/);
    });

    it('a garbage PEM certificate: one line naming the --cert file, exit 1', async () => {
      const garbage = path.join(testCert().dir, 'garbage-cert.pem');
      writeFileSync(garbage, 'this is not a certificate\n');
      const result = await runCliToEnd(['--port', '0', '--cert', garbage, '--key', testCert().keyFile]);
      expectOneLineError(result, 1, /^error: --cert file ".*garbage-cert\.pem" is not a PEM certificate$/);
    });

    it('a garbage PEM key: one line naming the --key file, exit 1', async () => {
      const garbage = path.join(testCert().dir, 'garbage-key.pem');
      writeFileSync(garbage, '-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n');
      const result = await runCliToEnd(['--port', '0', '--cert', testCert().certFile, '--key', garbage]);
      expectOneLineError(result, 1, /^error: --key file ".*garbage-key\.pem" is not a PEM private key/);
    });

    it('a key that does not belong to the certificate: one line saying so, exit 1', async () => {
      const result = await runCliToEnd([
        '--port',
        '0',
        '--cert',
        testCert().certFile,
        '--key',
        testCert().otherKeyFile,
      ]);
      expectOneLineError(result, 1, /^error: the certificate in ".*" does not match the key in ".*"$/);
    });

    it('--cert without --key is a usage error: exit 2', async () => {
      const result = await runCliToEnd(['--port', '0', '--cert', testCert().certFile]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: --cert and --key must be given together$/m);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stdout).not.toMatch(/listening on/);
    });
  });

  describe('API tls option', () => {
    it('serves wss:// with { cert, key }', async () => {
      const server = await serve({ tls: { cert: testCert().cert, key: testCert().key } });
      expect(server.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      const c = await client(server.url, { ca: testCert().cert });
      c.ws.send('api over tls');
      const [echo] = await c.nextMessages(1);
      expect(echo).toEqual({ data: Buffer.from('api over tls'), isBinary: false });
      expect(await getHealth(server.url, { ca: testCert().cert })).toMatchObject({ status: 'ok', connections: 1 });
    });

    it('close() does not wait for a TCP client that never starts its TLS handshake', async () => {
      // With a 120 s handshake timeout, only destroying such sockets lets close() finish in the test's time.
      const server = await startEchoServer({
        tls: { cert: testCert().cert, key: testCert().key },
        handshakeTimeout: 120,
      });
      const silent = await openTcp(server.port);
      silent.on('error', () => undefined);
      const gone = new Promise((resolve) => silent.once('close', resolve));
      await server.close();
      await gone;
    });

    it('a probe that connects and leaves before any TLS is logged with its address, not "?:undefined"', async () => {
      const log = jsonLogInMemory();
      const server = await serve({ tls: { cert: testCert().cert, key: testCert().key }, log: log.options });
      const probe = await openTcp(server.port);
      const local = `${probe.localAddress}:${probe.localPort}`;
      probe.end();
      const events = await pollUntil(log.events, (all) => all.some((event) => event.event === 'warning'));
      expect(events.find((event) => event.event === 'warning')).toMatchObject({
        message: expect.stringMatching(new RegExp(`^TLS handshake from ${local.replace(/\./g, '\\.')} failed: `)),
      });
    });

    it('rejects a mismatched pair with an EchoServerError (exit code 1)', async () => {
      const attempt = startEchoServer({ tls: { cert: testCert().cert, key: testCert().otherKey } });
      await expect(attempt).rejects.toBeInstanceOf(EchoServerError);
      await expect(attempt).rejects.toMatchObject({ exitCode: 1, message: expect.stringMatching(/do not match/) });
    });
  });
});
