// startEchoServer(): the HTTP(S) server, the upgrade path and the set of live connections.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_GOING_AWAY } from '../core/constants';
import type { EchoCounters } from './connection';
import { ConnectionSet } from './connection-set';
import { describeListenError, describeTlsError } from '../core/errors';
import { checkUpgrade, refuseUpgrade, type UpgradeRefusal } from './handshake';
import { connectionsAllowedByFdLimit, openFileLimit } from './fd-limit';
import { answerHttp } from './http-answers';
import { createLogger, type Logger } from '../log/logger';
import { MODES } from '../behaviour/modes';
import { resolveOptions, type ResolvedOptions } from './options';
import type { EchoServer, EchoServerOptions, EchoStats } from '../core/types';

/** `ws://host:port/path` with IPv6 hosts in brackets. */
export function formatUrl(secure: boolean, host: string, port: number, path = ''): string {
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `${secure ? 'wss' : 'ws'}://${shownHost}:${port}${path}`;
}

/** `address:port` of a peer, with IPv6 addresses in brackets. */
function remoteOf(socket: { remoteAddress?: string; remotePort?: number }): string {
  const { remoteAddress = '?', remotePort } = socket;
  return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
}

function createServer(config: ResolvedOptions): Server {
  const timeouts: ServerOptions = {
    // A client that never finishes its handshake (slowloris) is cut off, checked often enough to matter.
    headersTimeout: config.handshakeTimeoutMs,
    requestTimeout: config.handshakeTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.handshakeTimeoutMs / 4))),
  };
  if (!config.tls) return createHttpServer(timeouts);
  try {
    return createHttpsServer({ ...timeouts, cert: config.tls.cert, key: config.tls.key, handshakeTimeout: config.handshakeTimeoutMs });
  } catch (error) {
    throw describeTlsError(error as Error);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(describeListenError(error, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Why a bound address is reachable from other machines, or undefined for loopback. */
export function exposure(address: string): string | undefined {
  // Whatever spelling the user gave (`0.0.0.0`, `::`, `0`, ``, a host name), judge the address bound.
  if (address === '0.0.0.0' || address === '::') return `listening on all interfaces (${address})`;
  if (/^127\.|^::1$|^::ffff:127\./.test(address)) return undefined;
  return `listening on a network interface (${address})`;
}

/**
 * Starts an echo server and resolves once it is listening.
 *
 * @example
 * const server = await startEchoServer({ mode: 'forever' });
 * const client = new WebSocket(server.url);
 * // ...
 * await server.close();
 *
 * @param options see {@link EchoServerOptions}; by default port 0, mode `graceful`, no logs
 * @throws {EchoServerError} for a bad option (exitCode 2), a port in use or a bad certificate (exitCode 1)
 */
export function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  return startEchoServerLogging(options, createLogger(options.log));
}

/**
 * {@link startEchoServer} logging through `log` (the CLI's, which also reports start-up
 * failures); `options.log` is ignored. Not part of the public API.
 */
export async function startEchoServerLogging(options: EchoServerOptions, log: Logger): Promise<EchoServer> {
  const config = resolveOptions(options);
  const counters: EchoCounters = { messagesReceived: 0, messagesEchoed: 0, bytesReceived: 0, bytesEchoed: 0, protocolErrors: 0 };
  const settings = {
    behavior: MODES[config.mode],
    bufferSize: config.bufferSize,
    idleTimeoutMs: config.idleTimeoutMs,
    heartbeat: config.pingIntervalMs > 0,
    counters,
    logger: log,
  };
  const open = new ConnectionSet(settings, config.pingIntervalMs);
  let upgradesRejected = 0;
  let url = '';
  let startedAt = Date.now();
  let closing: Promise<void> | undefined;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayload, perMessageDeflate: false, clientTracking: false });
  const server = createServer(config);
  const fdCapacity = connectionsAllowedByFdLimit(openFileLimit());
  // Every socket, upgraded or not: a shutdown must not wait on a half-done TLS handshake.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', (error: Error & { reason?: string }, socket: Socket) => {
    // OpenSSL's message spans lines and names source files; its `reason` is the readable part.
    const reason = error.reason ?? error.message.split('\n')[0];
    const hint = reason === 'http request' ? ' (a ws:// client on a wss:// port?)' : '';
    log.log({ event: 'warning', message: `TLS handshake from ${remoteOf(socket)} failed: ${reason}${hint}` });
  });

  server.on('request', (req, res) =>
    answerHttp(req, res, { mode: config.mode, url: () => url, connections: () => open.size, logLinesDropped: () => log.dropped() }),
  );

  /** Answers, logs and counts a request refused before a WebSocket opened; `path` is '-' when unknown. */
  const refuse = (socket: Duplex, path: string, refusal: UpgradeRefusal): void => {
    upgradesRejected++;
    log.log({ event: 'rejected', remote: remoteOf(socket as Socket), path, status: refusal.status, reason: refusal.reason });
    refuseUpgrade(socket, refusal);
  };
  // A request that never finished (--handshake-timeout) or could not be parsed.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const reason = timedOut ? 'request not finished within --handshake-timeout' : `malformed request (${error.code ?? error.message})`;
    refuse(socket, '-', { status: timedOut ? 408 : 400, reason });
  });
  // ws still refuses a malformed Sec-WebSocket-Protocol itself; answer and log that like ours.
  wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) => refuse(socket, req.url ?? '/', { status: 400, reason: error.message }));

  const admit = (req: IncomingMessage): UpgradeRefusal | undefined => {
    if (closing) return { status: 503, reason: 'server is shutting down' };
    if (open.size >= fdCapacity) {
      return { status: 503, reason: `open-file limit reached (ulimit -n ${openFileLimit()})`, headers: { 'Retry-After': '1' } };
    }
    return checkUpgrade(req, { path: config.path, origins: config.origins, atCapacity: open.size >= config.maxConnections });
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = admit(req);
    if (refusal) return refuse(socket, req.url ?? '/', refusal);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const id = open.add(ws, socket);
      log.log({ event: 'connection', id, remote: remoteOf(req.socket), path: req.url ?? '/' });
    });
  });

  await listen(server, config.port, config.host);
  // Once listening, a server error is logged, not fatal.
  server.on('error', (error: Error) => log.log({ event: 'error', message: `server error: ${error.message}` }));
  const { port, address } = server.address() as AddressInfo;
  // An empty --host binds every interface; show the address actually bound.
  const host = config.host === '' ? address : config.host;
  url = formatUrl(config.tls !== undefined, host, port, config.path);
  startedAt = Date.now();
  log.log({ event: 'listening', url, host, port, mode: config.mode, tls: config.tls !== undefined });
  const exposed = exposure(address);
  if (exposed) log.log({ event: 'warning', message: `${exposed}: anyone who can reach this machine can connect` });
  if (fdCapacity < Math.min(config.maxConnections, 1000)) {
    log.log({
      event: 'warning',
      message: `the open-file limit (ulimit -n ${openFileLimit()}) allows ${fdCapacity} connections; more get HTTP 503`,
    });
  }

  const stats = (): EchoStats => ({
    connectionsTotal: open.total,
    connectionsOpen: open.size,
    upgradesRejected,
    ...counters,
    logLinesDropped: log.dropped(),
    uptimeMs: Date.now() - startedAt,
  });

  const shutdown = async (): Promise<void> => {
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections(); // plain HTTP and half-sent handshakes; upgraded sockets are ours
    await open.endAll(CLOSE_GOING_AWAY, 'server shutting down', config.closeTimeoutMs);
    sockets.forEach((socket) => socket.destroy()); // half-done TLS handshakes, refusals still flushing
    await serverClosed;
  };

  return {
    url,
    port,
    host,
    mode: config.mode,
    connections: () => open.size,
    stats,
    close: () => (closing ??= shutdown()),
  };
}
