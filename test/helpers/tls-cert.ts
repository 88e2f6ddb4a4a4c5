// A throwaway self-signed certificate for 127.0.0.1/localhost, made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Files and contents of a test certificate, plus an unrelated second key. */
export interface TestCert {
  dir: string;
  certFile: string;
  keyFile: string;
  /** A key that does not belong to the certificate. */
  otherKeyFile: string;
  cert: Buffer;
  key: Buffer;
  otherKey: Buffer;
  /** Removes the temp dir. */
  remove(): void;
}

/** Generates a self-signed RSA certificate valid for a day, in a fresh temp dir. */
export function makeTestCert(): TestCert {
  const dir = mkdtempSync(path.join(tmpdir(), 'ws-echo-tls-'));
  try {
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    const otherKeyFile = path.join(dir, 'other-key.pem');
    const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
    // prettier-ignore
    run([
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '1',
    ]);
    run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', otherKeyFile]);
    return {
      dir,
      certFile,
      keyFile,
      otherKeyFile,
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
      otherKey: readFileSync(otherKeyFile),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A test certificate made before the tests of the enclosing describe block (or file) and removed after them. Call it
 * where beforeAll may be called; read the certificate inside tests through the returned function.
 */
export function useTestCert(): () => TestCert {
  let made: TestCert | undefined;
  beforeAll(() => {
    made = makeTestCert();
  });
  afterAll(() => made?.remove());
  return () => {
    if (!made) throw new Error('the test certificate is made in beforeAll: read it inside a test');
    return made;
  };
}
