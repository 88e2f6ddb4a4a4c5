// Reads a file a user named (a certificate, a rules file) only if it is a regular file of bounded size.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { EchoServerError } from './errors';

/**
 * Reads `file` whole, if it is a regular file of at most `maxBytes`. A device (`/dev/zero`) would be read without end
 * and a FIFO would block: both are refused before a byte is read. Every failure is `fail(reason)`; `tooLarge` words
 * the size refusal for the caller's kind of file.
 */
export function readBoundedFile(
  file: string,
  maxBytes: number,
  fail: (reason: string) => EchoServerError,
  tooLarge: (size: number) => string,
): Buffer {
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
    if (stats.size > maxBytes) throw fail(tooLarge(stats.size));
    return readFileSync(fd);
  } catch (error) {
    if (error instanceof EchoServerError) throw error;
    throw fail((error as Error).message);
  } finally {
    closeSync(fd);
  }
}
