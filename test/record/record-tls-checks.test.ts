// Bad TLS material for a wss:// target stops `ws-echo record` at start (exit 2, naming the flag and OpenSSL's reason),
// and --target-* flags with a ws:// target are said to do nothing.
import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startRecorder } from '../../src';
import { runCliToEnd, startCli } from '../helpers/processes/cli';
import { makeTestCert, type TestCert } from '../helpers/tls-cert';
import { scratchFile } from '../helpers/upstream/conversation';

let cert: TestCert;
beforeAll(() => (cert = makeTestCert()));
afterAll(() => cert.remove());

/** A file in the certificate's folder holding `text`. */
function file(name: string, text: string | Buffer): string {
  const where = path.join(cert.dir, name);
  writeFileSync(where, text);
  return where;
}

/** Runs `record` against a wss:// target with `flags`; its exit code and error output. */
async function record(flags: string[]): Promise<{ code: number | null; stderr: string }> {
  const out = scratchFile('o.jsonl');
  const args = ['record', '--target', 'wss://127.0.0.1:1', '--out', out, '--port', '0', ...flags];
  const { code, stderr } = await runCliToEnd(args);
  return { code, stderr };
}

describe('ws-echo record with bad --target-* TLS material', () => {
  it('refuses each at start with exit 2, naming the flag and the reason', async () => {
    const encrypted = createPrivateKey(cert.key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'right',
    });
    const cases: [string[], RegExp][] = [
      [['--target-ca', file('junk.pem', 'not a pem\n')], /--target-ca: no PEM certificate/],
      [['--target-cert', cert.keyFile, '--target-key', cert.certFile], /--target-cert: OpenSSL refused it: .+/],
      [['--target-cert', cert.certFile, '--target-key', cert.otherKeyFile], /--target-cert and --target-key: OpenSSL/],
      [
        ['--target-cert', cert.certFile, '--target-key', file('enc.pem', encrypted)],
        /--target-key: the key is encrypted.*targetTls\.passphrase/,
      ],
      [['--target-servername', 'a\nb'], /--target-servername: must be a host name/],
    ];
    for (const [flags, expected] of cases) {
      const result = await record(flags);
      expect({ flags, ...result }).toMatchObject({ code: 2, stderr: expect.stringMatching(expected) });
    }
  }, 30_000);

  it('takes an encrypted key from code with targetTls.passphrase, and names the field without it', async () => {
    const key = createPrivateKey(cert.key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'p',
    });
    const options = { target: 'wss://127.0.0.1:1', port: 0 };
    await expect(
      startRecorder({ ...options, out: scratchFile('a.jsonl'), targetTls: { cert: cert.cert, key } }),
    ).rejects.toThrow(/targetTls\.key: the key is encrypted/);
    const recorder = await startRecorder({
      ...options,
      out: scratchFile('b.jsonl'),
      targetTls: { cert: cert.cert, key, passphrase: 'p' },
    });
    await recorder.close();
  });
});

describe('ws-echo record --target-insecure with a ws:// target', () => {
  it('warns that the flag has no effect, not that certificates go unchecked', async () => {
    const out = scratchFile('o.jsonl');
    const child = startCli([
      'record',
      '--target',
      'ws://127.0.0.1:1',
      '--out',
      out,
      '--port',
      '0',
      '--target-insecure',
    ]);
    try {
      await child.waitFor(/listening on ws:\/\//);
      child.child.kill('SIGTERM');
      await child.exited;
      expect(child.stderr()).toContain('--target-insecure: no effect, the target is ws://');
      expect(child.stderr()).not.toContain('is not checked');
    } finally {
      child.child.kill();
    }
  }, 15_000);
});
