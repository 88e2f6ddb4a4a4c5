// The open-file limit: connections past it would be accepted and closed silently by libuv.
import { readFileSync } from 'node:fs';

/** Descriptors kept free for the process itself (about 20), the listening socket, handshakes and files. */
export const FD_RESERVE = 48;

/** The soft limit on open files from /proc/self/limits (Linux), or undefined where unknown or unlimited. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const soft = text.match(/^Max open files\s+(\S+)/m)?.[1];
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
}

/**
 * How many WebSocket connections fit under the open-file limit. Past it, an accept fails with
 * EMFILE, which libuv answers by closing the connection at once with no error reported; a 503
 * and a log line are better for everyone.
 */
export function connectionsAllowedByFdLimit(limit: number | undefined): number {
  return limit === undefined ? Infinity : Math.max(1, limit - FD_RESERVE);
}
