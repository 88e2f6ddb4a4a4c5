// Every request refused before a WebSocket opens, whoever noticed it: answered, logged and counted alike.
import { maxHeaderSize, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import type { WebSocketServer } from 'ws';
import type { RejectedEvent } from '../core/log-events';
import type { Logger } from '../log/logger';
import type { ExtraHeaders } from '../protocols/extra-headers';
import { StreamSocket } from './h2/stream-socket';
import { refuseUpgrade, type UpgradeRefusal } from './handshake';
import { remoteOf } from './listener';
import { isTlsHandshakeFailure, keepPeerAddresses, tlsFailureHandler } from './tls-failures';

/** Refuses requests and counts them. */
export interface Refusals {
  /** Answers, logs and counts a request refused before a WebSocket opened; `path` is '-' when unknown. */
  refuse(socket: Duplex, path: string, refusal: UpgradeRefusal): void;
  /** Logs and counts a socket closed without an answer (`status` says what it would have been). */
  dropUnanswered(socket: Socket, refusal: UpgradeRefusal): void;
  /** Requests refused so far. */
  readonly count: number;
  /** Requests refused so far, by HTTP status, but for those the client asked for. */
  readonly byStatus: ReadonlyMap<number, number>;
  /** Upgrades refused because the client asked for it (`reject=`, `h2-refuse=`), by HTTP status. */
  readonly askedByStatus: ReadonlyMap<number, number>;
  /** WebSockets over HTTP/2 whose stream was reset unanswered because the client asked for it (`h2-reset`). */
  readonly askedResets: number;
}

/** The first byte of a TLS handshake record: what a wss:// client sends to a ws:// port. */
const TLS_HANDSHAKE_RECORD = 0x16;

/** The answer to an HTTP/1.1 CONNECT. */
const CONNECT_REFUSAL: UpgradeRefusal = {
  status: 405,
  reason: 'CONNECT is not served: this is not a proxy',
  headers: { Allow: 'GET, HEAD' },
};

/** The refusal for a request Node's HTTP parser gave up on (`clientError`). */
function parserRefusal(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): UpgradeRefusal {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, reason: 'request not finished within --handshake-timeout' };
    case 'HPE_HEADER_OVERFLOW':
      // RFC 6585 §5: the request's header fields are too large.
      return { status: 431, reason: `request headers too large (limit ${maxHeaderSize} bytes)` };
    default:
      if (error.rawPacket?.[0] === TLS_HANDSHAKE_RECORD) {
        return {
          status: 400,
          reason: `malformed request (${error.code}): a TLS handshake; a wss:// client on a ws:// port?`,
        };
      }
      return { status: 400, reason: `malformed request (${error.code ?? error.message})` };
  }
}

/** The counts of {@link Refusals}: each refusal once in `count`, then by status or as a reset the client asked for. */
class RefusalCounts {
  count = 0;
  askedResets = 0;
  readonly byStatus = new Map<number, number>();
  readonly askedByStatus = new Map<number, number>();

  /** Counts one refusal where it belongs. */
  add(refusal: UpgradeRefusal): void {
    this.count++;
    if (refusal.reset) {
      this.askedResets++;
      return;
    }
    const counts = refusal.asked ? this.askedByStatus : this.byStatus;
    counts.set(refusal.status, (counts.get(refusal.status) ?? 0) + 1);
  }
}

/** The `rejected` line of a refusal; a reset stream's says what was sent instead of a status. */
function rejectedLine(socket: Duplex, path: string, refusal: UpgradeRefusal): RejectedEvent {
  const { status, reason, reset } = refusal;
  return { event: 'rejected', remote: remoteOf(socket as Socket), path, status, reason, ...(reset ? { reset } : {}) };
}

/**
 * Routes the refusals that Node (`clientError`, `connect`) and `ws` (`wsClientError`) notice
 * to one {@link Refusals.refuse}, so each is answered, logged and counted like ours, with the
 * extra headers (--header) too. Failed TLS handshakes (`tlsClientError`, and the same failure
 * as `clientError`) are destroyed at once and logged once, as a warning.
 */
export function watchRefusals(
  server: Server,
  wss: WebSocketServer,
  log: Logger,
  extraHeaders: ExtraHeaders = [],
): Refusals {
  const counts = new RefusalCounts();
  const refuse = (socket: Duplex, path: string, refusal: UpgradeRefusal): void => {
    counts.add(refusal);
    log.log(rejectedLine(socket, path, refusal));
    // A reset is the whole answer: no HTTP status goes out on the stream.
    if (refusal.reset && socket instanceof StreamSocket) socket.resetStream();
    else refuseUpgrade(socket, refusal, extraHeaders);
  };
  const dropUnanswered = (socket: Socket, refusal: UpgradeRefusal): void => {
    counts.add(refusal);
    log.log(rejectedLine(socket, '-', refusal));
    socket.destroy();
  };
  const tlsFailed = tlsFailureHandler(log);
  server.on('tlsClientError', tlsFailed);
  if (server instanceof TlsServer) keepPeerAddresses(server);
  // A request that never finished (--handshake-timeout) or could not be parsed.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (isTlsHandshakeFailure(error, socket)) return tlsFailed(error, socket as Socket);
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    refuse(socket, '-', parserRefusal(error));
  });
  // Node destroys a CONNECT request's socket without a word when nobody listens for it. (An HTTP/2 CONNECT, with --h2
  // over TLS, comes here too: it is the HTTP/2 room's.)
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    if (req.httpVersionMajor !== 2) refuse(socket, req.url ?? '-', CONNECT_REFUSAL);
  });
  // ws still refuses a malformed Sec-WebSocket-Protocol itself.
  wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) =>
    refuse(socket, req.url ?? '/', { status: 400, reason: error.message }),
  );
  return {
    refuse,
    byStatus: counts.byStatus,
    askedByStatus: counts.askedByStatus,
    dropUnanswered,
    get count() {
      return counts.count;
    },
    get askedResets() {
      return counts.askedResets;
    },
  };
}
