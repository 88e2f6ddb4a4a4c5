// The HTTP(S) server under ws-echo: created with the handshake timeouts, listening, and its URL.
import { createServer as createHttpServer, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
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

/** An HTTP or HTTPS server whose clients must finish their handshake within the configured time. */
export function createHttpServerFor(config: ResolvedOptions): Server {
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
