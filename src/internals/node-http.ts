// Node's HTTP servers beyond their API: an HTTP/1.1 server that never listens itself, and the socket under a new
// HTTP/2 session, both for --h2 (one port serving HTTP/1.1 and HTTP/2).
import type { Server } from 'node:http';
import type { Http2SecureServer, Http2Server, Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CHECKED_ON, type Shape } from './shape-check';

const FILE = 'src/internals/node-http.ts';

/** An HTTP server starts its checks of unfinished requests (headersTimeout, requestTimeout) on 'listening'. */
export const CHECKS_ON_LISTENING_BEHAVIOUR = "an http.Server's request timeouts start with its 'listening' event";
/** Node makes a session in its own 'connection' (h2c) or 'secureConnection' (TLS) listener, synchronously. */
export const SESSION_IN_LISTENER_BEHAVIOUR =
  "an HTTP/2 server emits 'session' within its 'connection' or 'secureConnection' listener";

/**
 * What the guard test holds this file to. With --h2 in clear text a `net` server hands each HTTP/1.1 connection to an
 * HTTP server that does not listen (`emit('connection')`): nothing public starts its slowloris checks. And a session
 * has no public link to the socket the server accepted (`session.socket` is a proxy), which the descriptor guard
 * counts.
 */
export const HTTP_SHAPES: readonly Shape[] = [
  {
    file: FILE,
    object: 'http.Server',
    member: CHECKS_ON_LISTENING_BEHAVIOUR,
    kind: 'behaviour',
    checkedOn: CHECKED_ON.node,
  },
  {
    file: FILE,
    object: 'Http2Server',
    member: SESSION_IN_LISTENER_BEHAVIOUR,
    kind: 'behaviour',
    checkedOn: CHECKED_ON.node,
  },
];

/** Starts the request timeouts of an HTTP server that is handed connections but does not listen itself. */
export function startRequestChecks(http: Server): void {
  http.emit('listening');
}

/** Calls `listener` with each new session of `h2` and the socket the server accepted for it (TLS: the TLS socket). */
export function onSessionWithSocket(
  h2: Http2Server | Http2SecureServer,
  listener: (session: Http2Session, socket: Socket | TLSSocket | undefined) => void,
): void {
  let arriving: Socket | TLSSocket | undefined;
  h2.prependListener('connection', (socket: Socket) => void (arriving = socket));
  h2.prependListener('secureConnection', (socket: TLSSocket) => void (arriving = socket));
  h2.on('session', (session: Http2Session) => {
    const socket = arriving;
    arriving = undefined;
    listener(session, socket);
  });
}
