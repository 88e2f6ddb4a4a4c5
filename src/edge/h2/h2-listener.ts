// The listener with --h2: HTTP/1.1 and HTTP/2 (RFC 8441) on one port, and the bounds every HTTP/2 session keeps.
import { clearTimeout, setTimeout } from 'node:timers';
import type { Server } from 'node:http';
import {
  createSecureServer,
  createServer as createH2cServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type Settings,
} from 'node:http2';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { describeTlsError } from '../../core/errors';
import { createHttpServerFor, httpTimeouts } from '../listener';
import type { ResolvedOptions } from '../../options/options';
import { extendedConnect, type UpgradeHandler } from './extended-connect';
import { onSessionWithSocket, startRequestChecks } from '../../internals/node-http';
import { routeByPreface } from './preface';

/**
 * Each stream's receive window, and the session's: a 1 MiB message is not throttled waiting for WINDOW_UPDATEs
 * (Node's 64 KiB default made 1 MiB echoes 0.67x as fast as over HTTP/1.1). It also bounds what a session's client
 * can have sent that nobody has read yet: the session window is shared by all its streams.
 */
export const H2_WINDOW_BYTES = 4 * 1024 * 1024;

/** Streams one session may have open at once (WebSockets and plain requests); more are refused by the client's side. */
export const H2_MAX_STREAMS = 100;

/**
 * Node's bound on one session's memory (its frames, headers and the data queued on its streams), in MB: past it new
 * streams are refused (RST_STREAM ENHANCE_YOUR_CALM) while open ones go on. Node's default, 10 MB, is less than ten
 * WebSockets each holding its 1 MiB of unwritten echoes (the echo loop's backpressure bound).
 */
export const H2_SESSION_MEMORY_MB = 64;

/**
 * What every HTTP/2 session is offered: RFC 8441's SETTINGS_ENABLE_CONNECT_PROTOCOL (not with `h2Advertise` false,
 * the fault of a server that does not), the window, the stream bound.
 */
export function h2Settings(config: Pick<ResolvedOptions, 'h2Advertise'>): Settings {
  return {
    enableConnectProtocol: config.h2Advertise,
    initialWindowSize: H2_WINDOW_BYTES,
    maxConcurrentStreams: H2_MAX_STREAMS,
  };
}

/** The servers behind one port with --h2. */
export interface H2Listener {
  /** The server that listens: every TCP connection arrives here first. */
  front: NetServer;
  /** Where HTTP/1.1 requests and upgrades arrive (`'request'`, `'upgrade'`, `'clientError'`, `'connect'`). */
  http: Server;
  /** Where HTTP/2 sessions and their requests and CONNECT streams arrive; undefined without --h2. */
  h2?: Http2Server | Http2SecureServer;
}

/** The server(s) behind the port: one HTTP(S) server, or with `h2` those of {@link createH2Listener}. */
export function createListener(config: ResolvedOptions): H2Listener {
  if (config.h2 && config.tls) return createH2Listener(config);
  const http = createHttpServerFor(config);
  return config.h2 ? createH2Listener(config, http) : { front: http, http };
}

/**
 * Clear text: a `net` server reads each connection's first bytes and hands it to `http` (HTTP/1.1) or to an h2c
 * server (the HTTP/2 preface). TLS: one HTTP/2 server with ALPN `h2` and `http/1.1` (`allowHTTP1`), given the HTTP/1.1
 * timeouts `http` would have had.
 */
export function createH2Listener(config: ResolvedOptions, http?: Server): H2Listener {
  if (!config.tls && http) {
    const h2 = createH2cServer({ settings: h2Settings(config), maxSessionMemory: H2_SESSION_MEMORY_MB });
    const routes = {
      http1: (socket: Socket) => http.emit('connection', socket),
      h2: (socket: Socket) => h2.emit('connection', socket),
    };
    const front = createNetServer((socket) => routeByPreface(socket, config.handshakeTimeoutMs, routes));
    // `http` does not listen itself: its checks of unfinished requests start with the front's listening.
    front.once('listening', () => startRequestChecks(http));
    return { front, http, h2 };
  }
  let secure: Http2SecureServer;
  try {
    secure = createSecureServer({
      allowHTTP1: true,
      cert: config.tls?.cert,
      key: config.tls?.key,
      handshakeTimeout: config.handshakeTimeoutMs,
      settings: h2Settings(config),
      maxSessionMemory: H2_SESSION_MEMORY_MB,
    });
  } catch (error) {
    throw describeTlsError(error as Error, config.tls as NonNullable<ResolvedOptions['tls']>);
  }
  // HTTP/1.1 over it is served by Node's HTTP/1.1 code, which reads these from the server.
  Object.assign(secure, httpTimeouts(config));
  return { front: secure, http: secure as unknown as Server, h2: secure };
}

/** The sessions of one server, kept within their bounds. */
export interface H2Sessions {
  /** The server is shutting down: every session gets a GOAWAY (its open streams go on until they end). */
  goAway(): void;
  /** Destroys every session still open. */
  destroyAll(): void;
}

/**
 * Watches every session of `h2`: the session window set to {@link H2_WINDOW_BYTES}; a session with no stream open
 * closed (GOAWAY) after `idleMs` (the handshake timeout: a client that connects, or sends half a HEADERS, and then
 * nothing); its TCP socket told to `opened` once a stream opens (it then no longer counts as a pending handshake).
 */
export function watchSessions(
  h2: Http2Server | Http2SecureServer,
  idleMs: number,
  opened: (socket: Socket | TLSSocket) => void,
): H2Sessions {
  /** Each open session and its TCP (or TLS) socket. */
  const sessions = new Map<Http2Session, Socket | TLSSocket | undefined>();
  onSessionWithSocket(h2, (session, socket) => {
    sessions.set(session, socket);
    watchSession(session, idleMs, () => socket && opened(socket));
    session.once('close', () => sessions.delete(session));
  });
  return {
    goAway: () => sessions.forEach((_socket, session) => session.close()),
    // A session that sent GOAWAY waits for its open streams, and destroy() leaves its socket open while a client keeps
    // a request body unfinished: the socket itself goes too, or shutdown would wait for that client for ever.
    destroyAll: () =>
      sessions.forEach((socket, session) => {
        session.destroy();
        socket?.destroy();
      }),
  };
}

/** One session's window and idle timer. */
function watchSession(session: Http2Session, idleMs: number, firstStream: () => void): void {
  let streams = 0;
  let everOpened = false;
  const idle = (): void => {
    if (!session.closed) session.close();
  };
  let timer = setTimeout(idle, idleMs);
  session.on('error', () => undefined); // a client that leaves mid-frame: the session closes, nothing to report
  session.once('connect', () => session.setLocalWindowSize(H2_WINDOW_BYTES));
  session.on('stream', (stream) => {
    streams++;
    clearTimeout(timer);
    if (!everOpened) firstStream();
    everOpened = true;
    stream.once('close', () => {
      if (--streams === 0 && !session.closed) timer = setTimeout(idle, idleMs);
    });
  });
  session.once('close', () => clearTimeout(timer));
}

/**
 * Routes HTTP/2 to the paths HTTP/1.1 takes: an extended CONNECT to `upgrade` (the upgrade path), and (clear text,
 * where the h2c server is not `http`) every other request to `http`'s `'request'` listeners, so `/healthz`,
 * `/metrics` and the console page answer alike.
 */
export function serveH2(listener: H2Listener, upgrade: UpgradeHandler): void {
  const { h2, http } = listener;
  if (!h2) return;
  h2.on('connect', extendedConnect(upgrade));
  if ((h2 as unknown) !== http) h2.on('request', (req, res) => http.emit('request', req, res));
}
