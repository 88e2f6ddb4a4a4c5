// startEchoServer(): puts the HTTP(S) server, the upgrade path and the live connections together.
import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { WebSocketServer } from 'ws';
import { CLOSE_GOING_AWAY } from '../core/constants';
import {
  newConnectionCounters,
  publicStats,
  takeSnapshot,
  type CounterSnapshot,
  type ServerCounterReaders,
} from '../core/counters';
import type { EchoMode, EchoServer, EchoServerOptions, EchoStats } from '../core/types';
import { MODES, type ModeRules } from '../behaviour/modes';
import { createLogger, type Logger } from '../log/logger';
import { createConsolePage } from '../console/console-page';
import { createMetrics } from '../metrics/prometheus';
import { FixtureHub } from '../fixture/fixture-hub';
import { createServerHandle } from '../fixture/server-handle';
import { createAdmission } from '../edge/admission';
import type { EchoCounters } from '../connection/connection-settings';
import { ConnectionSet } from '../connection/connection-set';
import { guardDescriptors } from '../edge/fd-guard';
import type { ServerHooks } from './hooks';
import { announce, checkNodeBuildOfWs } from './start-up';
import { answerHttp } from '../edge/http-answers';
import { listen } from '../edge/listener';
import { createListener, serveH2, watchSessions, type H2Sessions } from '../edge/h2/h2-listener';
import { checkOptionsObject, resolveOptions, type ResolvedOptions } from '../options/options';
import { receiveOptions } from '../edge/ws-server-options';
import { watchRefusals } from '../edge/refusals';
import { setExtraHeaders } from '../protocols/extra-headers';
import { createNegotiation } from '../protocols/negotiation';
import { behaviourUpgrades } from '../edge/behaviour-step';
import { upgradePath, type UpgradePathParts } from '../edge/upgrade-path';

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
 * @throws {EchoServerError} (as a rejection) for a bad option (exitCode 2), a port in use or a bad certificate
 * (exitCode 1)
 */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  checkNodeBuildOfWs();
  checkOptionsObject(options); // before options.log is read: null would throw a TypeError there
  return startEchoServerLogging(options, createLogger(options.log));
}

/** The live connections: each gets the server's counters, logger, limits and the mode its URL chose. */
function connectionsFor(config: ResolvedOptions, counters: EchoCounters, log: Logger): ConnectionSet {
  // echo: false is each mode with nothing to echo: received, recorded, ended as the mode says.
  const modeRulesOf = (mode: EchoMode): ModeRules =>
    config.echo ? MODES[mode] : { ...MODES[mode], messagesToEcho: 0 };
  const settings = {
    modeRules: modeRulesOf(config.behaviour.mode),
    bufferSize: config.behaviour.bufferSize,
    idleTimeoutMs: config.idleTimeoutMs,
    pingIntervalMs: config.pingIntervalMs,
    counters,
    logger: log,
    limits: { maxPayload: config.maxPayload, maxFragments: config.maxFragments },
    rules: config.rules,
  };
  return new ConnectionSet(settings, modeRulesOf);
}

/** What one server is made of before it listens: the HTTP(S) server and every step an upgrade goes through. */
interface Edge extends UpgradePathParts {
  /** Where HTTP/1.1 requests and upgrades arrive. */
  server: Server;
  /** The server that listens: `server`, or with --h2 in clear text the one that tells HTTP/2 from HTTP/1.1. */
  front: NetServer;
  /** With --h2: the HTTP/2 server and its sessions. */
  h2?: { server: NonNullable<ReturnType<typeof createListener>['h2']>; sessions: H2Sessions };
}

/** Builds the listener and the upgrade path's steps; `closing()` tells them the server is shutting down. */
function edgeFor(
  config: ResolvedOptions,
  room: Pick<UpgradePathParts, 'open' | 'fixture' | 'log' | 'admitAcross'>,
  closing: () => boolean,
): Edge {
  const negotiation = createNegotiation(config);
  const wss = new WebSocketServer({ ...receiveOptions(config), ...negotiation.wsOptions });
  negotiation.attach(wss);
  const { front, http: server, h2 } = createListener(config);
  const refusals = watchRefusals(server, wss, room.log, config.headers);
  const upgrades = behaviourUpgrades({
    defaults: config.behaviour,
    refuse: refusals.refuse,
    closing,
    strict: config.strict,
  });
  const admission = createAdmission(config, {
    closing,
    openConnections: () => room.open.size + upgrades.waiting,
  });
  const descriptors = guardDescriptors(front, admission.fdLimit, refusals);
  const sessions = h2 && watchSessions(h2, config.handshakeTimeoutMs, (socket) => descriptors.upgraded(socket));
  return {
    ...room,
    server,
    front,
    h2: h2 && sessions && { server: h2, sessions },
    h2Opened: h2 && { count: 0 },
    negotiation,
    wss,
    refusals,
    upgrades,
    admission,
    descriptors,
  };
}

/** The plain HTTP answers (`/healthz`, `/metrics`, the console page, 405), or the workers' in their place. */
function serveHttp(edge: Edge, config: ResolvedOptions, hooks: ServerHooks | undefined, parts: HttpParts): void {
  const consolePage = createConsolePage({ mode: config.mode, path: config.path });
  const answer = hooks?.answerHttp ?? answerHttp;
  const metrics = config.metrics ? (hooks?.metrics ?? createMetrics)(parts.snapshot) : undefined;
  edge.server.on('request', (req, res) => {
    setExtraHeaders(res, config.headers);
    answer(req, res, {
      mode: config.mode,
      url: parts.url,
      connections: () => edge.open.size,
      logLinesDropped: () => edge.log.dropped(),
      metrics,
      console: consolePage,
    });
  });
}

/** What the HTTP answers read: the URL once listening, and the counters. */
interface HttpParts {
  url: () => string;
  snapshot: () => CounterSnapshot;
}

/** Reads the counters the server keeps outside the connections' plain object. */
function serverCounters(edge: Edge, startedAt: () => number): ServerCounterReaders {
  return {
    connectionsTotal: () => edge.open.total,
    connectionsOpen: () => edge.open.size,
    h2ConnectionsTotal: () => edge.h2Opened?.count ?? 0,
    upgradesRejected: () => edge.refusals.count,
    refusalsByStatus: () => [...edge.refusals.byStatus],
    askedRefusalsByStatus: () => [...edge.refusals.askedByStatus],
    askedH2Resets: () => edge.refusals.askedResets,
    logLinesDropped: () => edge.log.dropped(),
    uptimeMs: () => Date.now() - startedAt(),
  };
}

/** Stops accepting, ends every connection as the mode says, and resolves once every socket is gone. */
async function shutdown(edge: Edge, closeTimeoutMs: number): Promise<void> {
  const serverClosed = new Promise<void>((resolve) => edge.front.close(() => resolve()));
  if (edge.front !== edge.server) edge.server.close(); // not listening: stops its checks of unfinished requests
  edge.server.closeAllConnections?.(); // plain HTTP and half-sent handshakes; upgraded sockets are ours
  edge.h2?.sessions.goAway(); // no new streams; the WebSockets open on them end below
  edge.upgrades.refuseWaiting(); // upgrades held by accept-delay get a 503, not an EOF
  await edge.open.endAll(CLOSE_GOING_AWAY, 'server shutting down', closeTimeoutMs);
  edge.descriptors.pending.forEach((socket) => socket.destroy()); // half-done TLS handshakes, refusals still flushing
  edge.h2?.sessions.destroyAll();
  await serverClosed;
}

/**
 * {@link startEchoServer} logging through `log` (the CLI's, which also reports start-up
 * failures); `options.log` is ignored. `hooks` make this process one of several serving one
 * port (`--workers`). `clientHeaders: false` (the CLI, which never reads them) keeps no
 * request headers for `clients()`. Not part of the public API.
 */
export async function startEchoServerLogging(
  options: EchoServerOptions,
  logger: Logger,
  hooks?: ServerHooks,
  clientHeaders = true,
): Promise<EchoServer> {
  const config = resolveOptions(options);
  const fixture = new FixtureHub(config.record, clientHeaders);
  const log = fixture.watch(logger);
  const counters = newConnectionCounters();
  const open = connectionsFor(config, counters, log);
  let url = '';
  let startedAt = Date.now();
  let closing: Promise<void> | undefined;
  const edge = edgeFor(config, { open, fixture, log, admitAcross: hooks?.admit }, () => closing !== undefined);
  const snapshot = (): CounterSnapshot =>
    takeSnapshot(
      counters,
      serverCounters(edge, () => startedAt),
    );
  hooks?.counters?.(snapshot);
  serveHttp(edge, config, hooks, { url: () => url, snapshot });
  const upgrade = upgradePath(edge);
  edge.server.on('upgrade', upgrade);
  serveH2({ front: edge.front, http: edge.server, h2: edge.h2?.server }, upgrade);

  await listen(edge.front, config.port, config.host);
  // Once listening, a server error is logged, not fatal.
  edge.front.on('error', (error: Error) => log.log({ event: 'error', message: `server error: ${error.message}` }));
  const bound = announce(edge.front, config, log, edge.admission.fdCapacity);
  url = bound.url;
  startedAt = Date.now();

  const core = {
    url,
    port: bound.port,
    host: bound.host,
    mode: config.mode,
    connections: () => open.size,
    stats: (): EchoStats => publicStats(snapshot()),
    close: () => (closing ??= shutdown(edge, config.closeTimeoutMs)),
  };
  return createServerHandle(core, fixture);
}
