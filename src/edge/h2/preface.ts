// Clear-text HTTP/2 with prior knowledge (h2c) beside HTTP/1.1 on one port: a new connection's first bytes decide.
import { clearTimeout, setTimeout } from 'node:timers';
import type { Socket } from 'node:net';

/** RFC 9113 §3.4: what every HTTP/2 client sends first. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Where a connection goes once its first bytes are known. */
export interface PrefaceRoutes {
  http1(socket: Socket): void;
  h2(socket: Socket): void;
}

/**
 * Reads a new connection's first bytes until they are the HTTP/2 preface (→ `routes.h2`) or cannot be (→
 * `routes.http1`), puts them back (`unshift`) and hands the socket on. A client that sends nothing, or stops inside
 * the preface, goes to HTTP/1.1 after `timeoutMs`, whose own timeouts answer it (408). At most 24 bytes are held.
 */
export function routeByPreface(socket: Socket, timeoutMs: number, routes: PrefaceRoutes): void {
  let seen: Buffer = Buffer.alloc(0);
  const hand = (to: (socket: Socket) => void): void => {
    clearTimeout(timer);
    socket.off('data', onData).off('end', onGone).off('close', onGone).off('error', onGone);
    socket.pause();
    if (seen.length > 0) socket.unshift(seen);
    to(socket);
    process.nextTick(() => socket.resume());
  };
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    if (!seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return hand(routes.http1);
    if (seen.length >= H2_PREFACE.length) hand(routes.h2);
  };
  // A client gone inside the preface (it begins with `P`: any other request has been handed on) has nothing to answer.
  const onGone = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  // A client that sent nothing at all has nothing to answer (and HTTP/1.1 would wait for it again): it is closed.
  const timer = setTimeout(() => (seen.length === 0 ? onGone() : hand(routes.http1)), timeoutMs);
  socket.on('data', onData).once('end', onGone).once('close', onGone).on('error', onGone);
}
