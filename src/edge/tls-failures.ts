// TLS handshakes that failed or timed out: logged once with the peer's address, then destroyed.
import type { Socket } from 'node:net';
import { tcpSocketOf, tlsHandshakeUnfinished } from '../internals/node-tls';
import type { Logger } from '../log/logger';
import { remoteOf } from './listener';

/**
 * Whether `error` on `socket` means its TLS handshake never finished. Node reports such a
 * failure twice, as `clientError` and as `tlsClientError`; an HTTP answer to it could never
 * be written (there is no TLS session to carry it), so the socket must simply be destroyed.
 */
export function isTlsHandshakeFailure(error: NodeJS.ErrnoException, socket: unknown): boolean {
  if (/^ERR_(SSL|TLS)_/.test(error.code ?? '')) return true;
  return tlsHandshakeUnfinished(socket);
}

/** Why a handshake failed, in a few words, with a hint for the usual mistake. */
function describe(error: Error & { reason?: string; code?: string }): string {
  if (error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'not finished within --handshake-timeout';
  // OpenSSL's message spans lines and names source files; its `reason` is the readable part.
  const reason = error.reason ?? error.message.split('\n')[0];
  return reason === 'http request' ? `${reason} (a ws:// client on a wss:// port?)` : reason;
}

/**
 * Reads each TCP peer's address as it arrives (Node keeps it once read): a TLS handshake that fails because the client
 * left can still say who it was.
 */
export function keepPeerAddresses(server: {
  on(event: 'connection', listener: (socket: Socket) => void): unknown;
}): void {
  server.on('connection', (socket) => void socket.remoteAddress);
}

/**
 * Returns the one handler for both reports of a failed TLS handshake: the first call logs a
 * warning (the address read before the socket goes) and destroys the socket, the second
 * does nothing. Not a refusal: nothing was answered and nothing is counted.
 */
export function tlsFailureHandler(log: Logger): (error: Error, socket: Socket) => void {
  const handled = new WeakSet<Socket>();
  return (error, socket) => {
    if (handled.has(socket)) return;
    handled.add(socket);
    // A probe that connected and left is gone by now: its TCP socket kept the address read when it arrived.
    const remote = remoteOf(tcpSocketOf(socket) as Socket);
    socket.destroy();
    log.log({ event: 'warning', message: `TLS handshake from ${remote} failed: ${describe(error)}` });
  };
}
