// Reads and checks the --cert and --key files, so a bad one is named in the error.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readBoundedFile } from '../core/bounded-file';
import { EchoServerError } from '../core/errors';
import type { TlsOptions } from '../core/types';

/** Largest --cert or --key file read: a PEM chain of a few certificates is a few KiB. */
export const MAX_TLS_FILE_BYTES = 1024 * 1024;

/** Reads a regular file of at most {@link MAX_TLS_FILE_BYTES}, naming `flag` in every error. */
function readFile(flag: string, file: string): Buffer {
  const fail = (reason: string): EchoServerError =>
    new EchoServerError(`cannot read ${flag} file ${JSON.stringify(file)}: ${reason}`, 1);
  const tooLarge = (size: number): string =>
    `it is ${size} bytes, larger than a PEM file can be (limit ${MAX_TLS_FILE_BYTES})`;
  return readBoundedFile(file, MAX_TLS_FILE_BYTES, fail, tooLarge);
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
    throw new EchoServerError(
      `the certificate in ${JSON.stringify(certFile)} does not match the key in ${JSON.stringify(keyFile)}`,
      1,
    );
  }
  return { cert, key };
}
