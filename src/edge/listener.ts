// The HTTP(S) server under ws-echo: created with the handshake timeouts, listening, and its URL.
import { clearTimeout, setTimeout } from 'node:timers';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import { describeListenError, describeTlsError } from '../core/errors';
import type { ResolvedOptions } from '../options/options';

/** `ws://host:port/path` with IPv6 hosts in brackets. */
export function formatUrl(secure: boolean, host: string, port: number, path = ''): string {
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `${secure ? 'wss' : 'ws'}://${shownHost}:${port}${path}`;
}

/** `address:port` of a peer, IPv6 in brackets; `an unknown address` for a socket gone before its address was read. */
export function remoteOf(socket: { remoteAddress?: string; remotePort?: number }): string {
  const { remoteAddress, remotePort } = socket;
  if (remoteAddress === undefined) return 'an unknown address';
  return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
}

/** Why a bound address is reachable from other machines, or undefined for loopback. */
export function exposure(address: string): string | undefined {
  // Whatever spelling the user gave (`0.0.0.0`, `::`, `0`, ``, a host name), judge the address bound.
  if (address === '0.0.0.0' || address === '::') return `listening on all interfaces (${address})`;
  if (/^127\.|^::1$|^::ffff:127\./.test(address)) return undefined;
  return `listening on a network interface (${address})`;
}

/** The HTTP/1.1 timeouts: a client that never finishes its handshake (slowloris) is cut off, checked often enough. */
export function httpTimeouts(config: ResolvedOptions): ServerOptions {
  return {
    headersTimeout: config.handshakeTimeoutMs,
    requestTimeout: config.handshakeTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.handshakeTimeoutMs / 4))),
  };
}

/**
 * Closes a connection that has sent nothing `ms` after it came (after its TLS handshake with `secure`): Node's own
 * timeouts only count from a request's first byte (one begun and not finished gets their 408), so a client that sends
 * nothing would stay for ever. The wait ends at the connection's first request or upgrade.
 */
export function closeSilentConnections(server: Server, ms: number, secure: boolean): void {
  const waiting = new WeakMap<Socket, NodeJS.Timeout>();
  const begun = (req: IncomingMessage): void => {
    const timer = waiting.get(req.socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    waiting.delete(req.socket);
  };
  server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => {
    // A little before `ms`: Node's own check (every connectionsCheckingInterval) may answer 408 to it from `ms` on.
    const timer = setTimeout(() => socket.bytesRead === 0 && socket.destroy(), ms - Math.min(100, ms / 10));
    waiting.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.on('request', begun).on('upgrade', begun);
}

/** An HTTP or HTTPS server whose clients must begin and finish their handshake within the configured time. */
export function createHttpServerFor(config: ResolvedOptions): Server {
  const server = createPlainOrTls(config);
  closeSilentConnections(server, config.handshakeTimeoutMs, config.tls !== undefined);
  return server;
}

/** An HTTP or HTTPS server with the handshake timeouts. */
function createPlainOrTls(config: ResolvedOptions): Server {
  const timeouts = httpTimeouts(config);
  if (!config.tls) return createHttpServer(timeouts);
  try {
    return createHttpsServer({
      ...timeouts,
      cert: config.tls.cert,
      key: config.tls.key,
      handshakeTimeout: config.handshakeTimeoutMs,
    });
  } catch (error) {
    throw describeTlsError(error as Error, config.tls);
  }
}

/** Listens on `host:port`; rejects with a one-line {@link EchoServerError} (port in use, ...). */
export function listen(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(describeListenError(error, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
