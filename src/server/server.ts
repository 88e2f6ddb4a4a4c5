// startEchoServer(): puts the HTTP(S) server, the upgrade path and the live connections together.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_GOING_AWAY } from '../core/constants';
import type { EchoMode, EchoServer, EchoServerOptions, EchoStats } from '../core/types';
import { MODES, type ModeRules } from '../behaviour/modes';
import { createLogger, type Logger } from '../log/logger';
import { createConsolePage } from '../console/console-page';
import { createMetrics } from '../metrics/prometheus';
import type { ConnectionEvent } from '../core/log-events';
import { FixtureHub } from '../fixture/fixture-hub';
import { createServerHandle } from '../fixture/server-handle';
import { createAdmission } from '../edge/admission';
import type { EchoConnection } from '../connection/connection';
import type { EchoCounters } from '../connection/connection-settings';
import { ConnectionSet } from '../connection/connection-set';
import { guardDescriptors } from '../edge/fd-guard';
import { openFileLimit } from '../edge/fd-limit';
import type { ServerHooks } from './hooks';
import { answerHttp } from '../edge/http-answers';
import { createHttpServerFor, exposure, formatUrl, listen, remoteOf } from '../edge/listener';
import { resolveOptions, type ResolvedOptions } from '../options/options';
import { receiveOptions } from '../edge/ws-server-options';
import { watchRefusals } from '../edge/refusals';
import { setExtraHeaders } from '../protocols/extra-headers';
import { createNegotiation } from '../protocols/negotiation';
import { describeBehaviour } from '../behaviour/behaviour';
import { behaviourUpgrades } from '../edge/behaviour-step';

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
  return startEchoServerLogging(options, createLogger(options.log));
}

/** Logs the listening line and the warnings a user should see at start; returns the URL. */
function announce(
  server: Server,
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
  if (fdCapacity < Math.min(config.maxConnections, 1000)) {
    log.log({
      event: 'warning',
      message: `the open-file limit (ulimit -n ${openFileLimit()}) allows ${fdCapacity} connections; more get HTTP 503`,
    });
  }
  return { url, host, port };
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
  const counters: EchoCounters = {
    messagesReceived: 0,
    messagesEchoed: 0,
    bytesReceived: 0,
    bytesEchoed: 0,
    protocolErrors: 0,
    binaryMessagesReceived: 0,
    binaryBytesReceived: 0,
    binaryMessagesEchoed: 0,
    binaryBytesEchoed: 0,
    closesByCode: new Map(),
  };
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
  };
  const open = new ConnectionSet(settings, modeRulesOf);
  let url = '';
  let startedAt = Date.now();
  let closing: Promise<void> | undefined;
  const negotiation = createNegotiation(config);
  const wss = new WebSocketServer({ ...receiveOptions(config), ...negotiation.wsOptions });
  negotiation.attach(wss);
  const server = createHttpServerFor(config);
  const refusals = watchRefusals(server, wss, log, config.headers);
  const upgrades = behaviourUpgrades({
    defaults: config.behaviour,
    refuse: refusals.refuse,
    closing: () => closing !== undefined,
  });
  const admission = createAdmission(config, {
    closing: () => closing !== undefined,
    openConnections: () => open.size + upgrades.waiting,
  });
  const descriptors = guardDescriptors(server, admission.fdLimit, refusals);

  const metricsSource = { stats: () => stats(), details: counters, refusalsByStatus: refusals.byStatus };
  const metrics = config.metrics ? (hooks?.metrics ?? createMetrics)(metricsSource) : undefined;
  const consolePage = createConsolePage({ mode: config.mode, path: config.path });
  const answer = hooks?.answerHttp ?? answerHttp;
  server.on('request', (req, res) => {
    setExtraHeaders(res, config.headers);
    answer(req, res, {
      mode: config.mode,
      url: () => url,
      connections: () => open.size,
      logLinesDropped: () => log.dropped(),
      metrics,
      console: consolePage,
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = admission.admit(req);
    if (refusal) return refusals.refuse(socket, req.url ?? '/', refusal);
    negotiation.prepare(req);
    upgrades.handle(req, socket, head, (behaviour, early) => {
      const accept = (givenId?: number): void =>
        wss.handleUpgrade(req, socket, early, (ws: WebSocket) => {
          descriptors.upgraded(socket);
          // Logged (and handed to the fixture) before the connection sends anything: a greeting, a fault.
          const announce = (connection: EchoConnection): void => {
            const event: ConnectionEvent = {
              event: 'connection',
              id: connection.id,
              remote: remoteOf(req.socket),
              path: req.url ?? '/',
              behaviour: describeBehaviour(behaviour),
              ...negotiation.describe(req, ws),
            };
            log.log(event);
            fixture.connected(event, connection, ws, socket, req);
          };
          open.add(ws, socket, behaviour, announce, givenId);
        });
      if (!hooks) return accept();
      hooks.admit(socket, accept, (globalRefusal) => refusals.refuse(socket, req.url ?? '/', globalRefusal));
    });
  });

  await listen(server, config.port, config.host);
  // Once listening, a server error is logged, not fatal.
  server.on('error', (error: Error) => log.log({ event: 'error', message: `server error: ${error.message}` }));
  const bound = announce(server, config, log, admission.fdCapacity);
  url = bound.url;
  startedAt = Date.now();

  const stats = (): EchoStats => ({
    connectionsTotal: open.total,
    connectionsOpen: open.size,
    upgradesRejected: refusals.count,
    messagesReceived: counters.messagesReceived,
    messagesEchoed: counters.messagesEchoed,
    bytesReceived: counters.bytesReceived,
    bytesEchoed: counters.bytesEchoed,
    protocolErrors: counters.protocolErrors,
    logLinesDropped: log.dropped(),
    uptimeMs: Date.now() - startedAt,
  });

  const shutdown = async (): Promise<void> => {
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections(); // plain HTTP and half-sent handshakes; upgraded sockets are ours
    await open.endAll(CLOSE_GOING_AWAY, 'server shutting down', config.closeTimeoutMs);
    descriptors.pending.forEach((socket) => socket.destroy()); // half-done TLS handshakes, refusals still flushing
    await serverClosed;
  };

  return createServerHandle(
    {
      url,
      port: bound.port,
      host: bound.host,
      mode: config.mode,
      connections: () => open.size,
      stats,
      close: () => (closing ??= shutdown()),
    },
    fixture,
  );
}
