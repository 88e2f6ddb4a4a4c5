// Reads and checks the --cert and --key files, so a bad one is named in the error.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EchoServerError } from '../core/errors';
import type { TlsOptions } from '../core/types';

function readFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : message;
    throw new EchoServerError(`cannot read ${flag} file ${JSON.stringify(file)}: ${reason}`, 1);
  }
}

/**
 * Loads a PEM certificate and private key for `wss://`, checking each on its own and then
 * that they belong together; throws {@link EchoServerError} (exit code 1) naming the file at fault.
 */
export function loadTlsFiles(certFile: string, keyFile: string): TlsOptions {
  const cert = readFile('--cert', certFile);
  const key = readFile('--key', keyFile);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new EchoServerError(`--cert file ${JSON.stringify(certFile)} is not a PEM certificate`, 1);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new EchoServerError(`--key file ${JSON.stringify(keyFile)} is not a PEM private key (or it is encrypted)`, 1);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new EchoServerError(`the certificate in ${JSON.stringify(certFile)} does not match the key in ${JSON.stringify(keyFile)}`, 1);
  }
  return { cert, key };
}
