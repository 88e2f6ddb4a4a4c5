// What a server checks and says at start: that ws is its Node build, then the listening line and the warnings.
import type { AddressInfo, Server as NetServer } from 'node:net';
import { WebSocketServer } from 'ws';
import { describeBehaviour } from '../behaviour/behaviour';
import { EchoServerError } from '../core/errors';
import { openFileLimit } from '../edge/fd-limit';
import { exposure, formatUrl } from '../edge/listener';
import type { Logger } from '../log/logger';
import type { ResolvedOptions } from '../options/options';

/**
 * Throws, saying what to do, when `ws` resolved to its browser build: a test environment that looks like a browser
 * (Jest's `jsdom`) resolves packages with the `browser` condition, and that build has no server.
 */
export function checkNodeBuildOfWs(): void {
  if (typeof WebSocketServer === 'function') return;
  throw new EchoServerError(
    'ws-echo runs a server, but the `ws` package resolved to its browser build (no WebSocketServer): this test ' +
      "environment resolves packages as a browser would (Jest's jsdom). Add `@jest-environment-options " +
      '{"customExportConditions": ["node", "node-addons"]}` to the file (or testEnvironmentOptions in jest.config), ' +
      'or use the Node environment (`@jest-environment node`)',
  );
}

/** The HTTP/2 fault chosen for every connection of a server that speaks no HTTP/2 (it would change nothing), if any. */
function http2FaultWithoutHttp2(config: ResolvedOptions): string | undefined {
  if (config.h2) return undefined;
  if (!config.h2Advertise) return '--no-h2-advertise';
  if (config.behaviour.h2Refuse !== undefined) return '--h2-refuse';
  return config.behaviour.h2Reset ? '--h2-reset' : undefined;
}

/** Logs the listening line and the warnings a user should see at start; returns the URL. */
export function announce(
  server: NetServer,
  config: ResolvedOptions,
  log: Logger,
  fdCapacity: number,
): { url: string; host: string; port: number } {
  const { port, address } = server.address() as AddressInfo;
  // An empty --host binds every interface; show the address actually bound.
  const host = config.host === '' ? address : config.host;
  const url = formatUrl(config.tls !== undefined, host, port, config.path);
  log.log({
    event: 'listening',
    url,
    host,
    port,
    mode: config.mode,
    tls: config.tls !== undefined,
    behaviour: describeBehaviour(config.behaviour),
  });
  const exposed = exposure(address);
  if (exposed) log.log({ event: 'warning', message: `${exposed}: anyone who can reach this machine can connect` });
  const idleFault = http2FaultWithoutHttp2(config);
  if (idleFault) log.log({ event: 'warning', message: `${idleFault} changes nothing without --h2 (h2: true)` });
  if (fdCapacity < Math.min(config.maxConnections, 1000)) {
    log.log({
      event: 'warning',
      message: `the open-file limit (ulimit -n ${openFileLimit()}) allows ${fdCapacity} connections; more get HTTP 503`,
    });
  }
  return { url, host, port };
}
