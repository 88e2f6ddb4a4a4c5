// Every request refused before a WebSocket opens, whoever noticed it: answered, logged and counted alike.
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Logger } from '../log/logger';
import { refuseUpgrade, type UpgradeRefusal } from './handshake';
import { remoteOf } from './listener';

/** Refuses requests and counts them. */
export interface Refusals {
  /** Answers, logs and counts a request refused before a WebSocket opened; `path` is '-' when unknown. */
  refuse(socket: Duplex, path: string, refusal: UpgradeRefusal): void;
  /** Requests refused so far. */
  readonly count: number;
  /** Requests refused so far, by HTTP status. */
  readonly byStatus: ReadonlyMap<number, number>;
}

/**
 * Routes the refusals that Node (`clientError`, `tlsClientError`) and `ws` (`wsClientError`)
 * notice to one {@link Refusals.refuse}, so each is answered, logged and counted like ours.
 */
export function watchRefusals(server: Server, wss: WebSocketServer, log: Logger): Refusals {
  let count = 0;
  const byStatus = new Map<number, number>();
  const refuse = (socket: Duplex, path: string, refusal: UpgradeRefusal): void => {
    count++;
    byStatus.set(refusal.status, (byStatus.get(refusal.status) ?? 0) + 1);
    log.log({ event: 'rejected', remote: remoteOf(socket as Socket), path, status: refusal.status, reason: refusal.reason });
    refuseUpgrade(socket, refusal);
  };
  server.on('tlsClientError', (error: Error & { reason?: string }, socket: Socket) => {
    // OpenSSL's message spans lines and names source files; its `reason` is the readable part.
    const reason = error.reason ?? error.message.split('\n')[0];
    const hint = reason === 'http request' ? ' (a ws:// client on a wss:// port?)' : '';
    log.log({ event: 'warning', message: `TLS handshake from ${remoteOf(socket)} failed: ${reason}${hint}` });
  });
  // A request that never finished (--handshake-timeout) or could not be parsed.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const reason = timedOut ? 'request not finished within --handshake-timeout' : `malformed request (${error.code ?? error.message})`;
    refuse(socket, '-', { status: timedOut ? 408 : 400, reason });
  });
  // ws still refuses a malformed Sec-WebSocket-Protocol itself.
  wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) => refuse(socket, req.url ?? '/', { status: 400, reason: error.message }));
  return {
    refuse,
    byStatus,
    get count() {
      return count;
    },
  };
}
