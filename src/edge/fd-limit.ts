// The open-file limit: connections past it would be accepted and closed silently by libuv.
import { readFileSync } from 'node:fs';

/** Descriptors kept for the process itself (about 20), the listening socket and files. */
export const PROCESS_FD_RESERVE = 32;
/**
 * Sockets kept for pending handshakes beyond the WebSocket connections, so a 503 or /healthz can always be answered.
 */
export const ANSWER_FD_RESERVE = 16;
/** Descriptors not given to WebSocket connections: {@link PROCESS_FD_RESERVE} plus {@link ANSWER_FD_RESERVE}. */
export const FD_RESERVE = PROCESS_FD_RESERVE + ANSWER_FD_RESERVE;

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

/**
 * How many sockets of any kind (pending handshakes, plain HTTP, WebSockets) may be open at
 * once under the open-file limit: past it the oldest pending handshake is closed, so an
 * accept never fails with EMFILE.
 */
export function socketsAllowedByFdLimit(limit: number | undefined): number {
  return limit === undefined
    ? Infinity
    : Math.max(connectionsAllowedByFdLimit(limit) + ANSWER_FD_RESERVE, limit - PROCESS_FD_RESERVE);
}
