// Reads and checks the --cert and --key files, so a bad one is named in the error.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { EchoServerError } from '../core/errors';
import type { TlsOptions } from '../core/types';

/** Largest --cert or --key file read: a PEM chain of a few certificates is a few KiB. */
export const MAX_TLS_FILE_BYTES = 1024 * 1024;

/**
 * Reads a regular file of at most {@link MAX_TLS_FILE_BYTES}. A device (`/dev/zero`) would
 * be read without end and a FIFO would block: both are refused before a byte is read.
 */
function readFile(flag: string, file: string): Buffer {
  const fail = (reason: string): EchoServerError =>
    new EchoServerError(`cannot read ${flag} file ${JSON.stringify(file)}: ${reason}`, 1);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not hang; regular files ignore it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw fail(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : message);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw fail('it is a directory');
    if (!stats.isFile()) throw fail('it is not a regular file (a device, a pipe or a socket)');
    if (stats.size > MAX_TLS_FILE_BYTES)
      throw fail(`it is ${stats.size} bytes, larger than a PEM file can be (limit ${MAX_TLS_FILE_BYTES})`);
    return readFileSync(fd);
  } catch (error) {
    if (error instanceof EchoServerError) throw error;
    throw fail((error as Error).message);
  } finally {
    closeSync(fd);
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
    throw new EchoServerError(
      `the certificate in ${JSON.stringify(certFile)} does not match the key in ${JSON.stringify(keyFile)}`,
      1,
    );
  }
  return { cert, key };
}
