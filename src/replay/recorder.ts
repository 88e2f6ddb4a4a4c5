// startRecorder(): listens like the server, proxies each client to a target, and writes the conversation.
import { setTimeout } from 'node:timers';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { LogOptions, TlsOptions } from '../core/types';
import { createHttpServerFor, formatUrl, listen, remoteOf } from '../edge/listener';
import { createLogger, type Logger } from '../log/logger';
import { resolveOptions } from '../options/options';
import { proxyPair } from './proxy-pair';
import { newRecorderTotals, recorderStats, summaryOf, tallyMessage, type RecorderStats } from './recorder-stats';
import { TranscriptFile } from './transcript-file';
import type { RecorderTotals } from './recorder-stats';
import {
  ALWAYS_REDACTED,
  checkTarget,
  checkTargetTls,
  headersOf,
  passedOn,
  refuse,
  unreachableReason,
  upstreamUrl,
  type TargetTlsOptions,
} from './upstream-request';

export type { RecorderStats } from './recorder-stats';
export type { TargetTlsOptions } from './upstream-request';

/** What {@link startRecorder} takes. */
export interface RecorderOptions {
  /** The server to record: `ws://` or `wss://` URL; each client's path and query are appended to its path. */
  target: string;
  /** The transcript file to write (JSON Lines, docs/transcripts.md); truncated first. */
  out: string;
  /** Port to listen on (default 8080; 0 takes a free one). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Serve `wss://` to clients with this certificate and key. */
  tls?: TlsOptions;
  /** TLS to a `wss://` target: `ca`, `cert`, `key`, `passphrase`, `servername`, `rejectUnauthorized` as Node's. */
  targetTls?: TargetTlsOptions;
  /** More request headers to write as `[redacted]` (Authorization, Cookie and Sec-WebSocket-Key always are). */
  redactHeaders?: string[];
  /** Largest message taken from either side, bytes (default 100 MiB). */
  maxPayload?: number;
  /** How to log, as startEchoServer's `log`: `{}` pretty lines, `{ format: 'json' }`, ... (default false: nothing). */
  log?: LogOptions | false;
}

/** A running recorder. */
export interface Recorder {
  /** `ws://host:port` (`wss://` with TLS) for a client to connect to instead of the target. */
  readonly url: string;
  readonly port: number;
  /** Connections being recorded now. */
  connections(): number;
  /** Connections, refusals, messages and bytes each way, and the transcript's lines written and waiting. */
  stats(): RecorderStats;
  /** Stops listening, closes every pair (1001 to both sides) and finishes the file. */
  close(): Promise<void>;
}

/** What every upgrade of one recorder shares. */
interface RecorderState {
  target: URL;
  targetTls: TargetTlsOptions;
  file: TranscriptFile;
  wss: WebSocketServer;
  /** The subprotocol the target chose, for the client's handshake. */
  chosen: WeakMap<IncomingMessage, string>;
  /** Every socket of a pair being recorded (client and upstream). */
  pairs: Set<WebSocket>;
  redacted: Set<string>;
  limits: { maxPayload: number; maxFragments: number };
  /** Milliseconds the target has to answer the upgrade (the server's handshake timeout). */
  handshakeTimeout: number;
  logger: Logger;
  totals: RecorderTotals;
}

/** The client's connection to the target for `req`, with the client's offers, headers and the TLS options. */
function connectUpstream(state: RecorderState, req: IncomingMessage): WebSocket {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((name) => name.trim());
  return new WebSocket(upstreamUrl(state.target, req.url ?? '/'), offered.filter(Boolean), {
    ...state.targetTls,
    headers: passedOn(req),
    ...state.limits,
    perMessageDeflate: req.headers['sec-websocket-extensions'] !== undefined,
    handshakeTimeout: state.handshakeTimeout,
    autoPong: false,
  });
}

/** Refuses the client (logged, counted) with `status` and `reason`. */
function refuseClient(
  state: RecorderState,
  req: IncomingMessage,
  socket: Duplex,
  status: number,
  reason: string,
): void {
  state.totals.refused++;
  state.logger.log({ event: 'rejected', remote: remoteOf(req.socket), path: req.url ?? '/', status, reason });
  refuse(socket, status, `${reason}\n`);
}

/** Answers the client's handshake with what `upstream` agreed, and proxies the pair as the next connection. */
function startPair(
  state: RecorderState,
  [req, socket, head]: [IncomingMessage, Duplex, Buffer],
  upstream: WebSocket,
  upstreamSocket: Duplex,
): void {
  const { file, wss, pairs, totals, logger } = state;
  state.chosen.set(req, upstream.protocol);
  wss.handleUpgrade(req, socket, head, (client) => {
    const id = ++totals.connectionsTotal;
    const path = req.url ?? '/';
    const openLine = { c: id, event: 'open', path, protocol: client.protocol, extensions: upstream.extensions };
    file.write({ ...openLine, headers: headersOf(req, state.redacted), at: new Date() });
    const negotiated = { protocol: client.protocol || undefined, extensions: upstream.extensions || undefined };
    logger.log({ event: 'connection', id, remote: remoteOf(req.socket), path, ...negotiated });
    pairs.add(client).add(upstream);
    void proxyPair(id, [client, upstream], [socket, upstreamSocket], file, (from, bytes) =>
      tallyMessage(totals, from, bytes),
    ).then((end) => {
      pairs.delete(client);
      pairs.delete(upstream);
      logger.log({ event: 'record-end', id, ...end });
    });
  });
}

/**
 * Handles a client's upgrade: connects to the target first, then answers the client with what the target agreed,
 * and proxies the pair as the next connection of the transcript.
 */
function upgradeHandler(state: RecorderState): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    const upstream = connectUpstream(state, req);
    let upstreamSocket: Duplex | undefined;
    upstream.once('upgrade', (response) => (upstreamSocket = response.socket));
    // Until the client's handshake is answered, a client that leaves (or whose request ws refuses) ends the upstream.
    let answered = false;
    const gone = (): void => upstream.terminate();
    socket.once('close', gone);
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) refuseClient(state, req, socket, 502, unreachableReason(error));
      answered = true;
    });
    upstream.on('unexpected-response', (_request, response) => {
      answered = true;
      refuseClient(state, req, socket, response.statusCode ?? 502, `the target answered HTTP ${response.statusCode}`);
      upstream.terminate();
    });
    upstream.once('open', () => {
      answered = true;
      socket.off('close', gone);
      startPair(state, [req, socket, head], upstream, upstreamSocket!);
    });
  };
}

/**
 * Starts a recorder: listens (port, host and TLS as {@link startEchoServer}), and for each client opens a connection
 * to `target` (its path and query, its offered subprotocols and its headers passed on; `targetTls` for a `wss://`
 * target), answers the client's handshake with what the target agreed (subprotocol, compression), then proxies both
 * ways, writing each message, ping and pong to `out`. A target that refuses gets its status passed to the client; one
 * that cannot be reached (or whose certificate is refused), 502.
 * @example const recorder = await startRecorder({ target: 'ws://127.0.0.1:9000', out: 'feed.jsonl', port: 0 });
 */
export function startRecorder(options: RecorderOptions): Promise<Recorder> {
  return startRecorderLogging(options, createLogger(options.log));
}

/** {@link startRecorder} logging through `logger` (the CLI's). Not part of the public API. */
export async function startRecorderLogging(options: RecorderOptions, logger: Logger): Promise<Recorder> {
  const target = checkTarget(options.target);
  const targetTls = checkTargetTls(options.targetTls);
  const config = resolveOptions({ port: options.port, host: options.host, tls: options.tls });
  const limits = { maxPayload: options.maxPayload ?? config.maxPayload, maxFragments: config.maxFragments };
  const redacted = new Set([...ALWAYS_REDACTED, ...(options.redactHeaders ?? []).map((name) => name.toLowerCase())]);
  const file = await TranscriptFile.open(options.out);
  file.write({ 'ws-echo': 'transcript', version: 1, recorded: new Date().toISOString(), target: target.href });
  const chosen = new WeakMap<IncomingMessage, string>();
  const handleProtocols = (_offered: Set<string>, req: IncomingMessage): string | false => chosen.get(req) || false;
  const wss = new WebSocketServer({
    noServer: true,
    ...limits,
    perMessageDeflate: true,
    handleProtocols,
    autoPong: false,
  });
  const pairs = new Set<WebSocket>();
  const totals = newRecorderTotals();
  const state = { target, targetTls, file, wss, chosen, pairs, redacted, limits, logger, totals };
  const server = createHttpServerFor(config);
  server.on('request', (_req, res) => res.writeHead(426, { 'Content-Type': 'text/plain' }).end('upgrade required\n'));
  server.on('upgrade', upgradeHandler({ ...state, handshakeTimeout: config.handshakeTimeoutMs }));
  await listen(server, config.port, config.host);
  const { port } = server.address() as { port: number };
  const url = formatUrl(config.tls !== undefined, config.host, port);
  const tls = config.tls !== undefined;
  logger.log({ event: 'recording', url, host: config.host, port, tls, target: target.href, out: options.out });
  const startedAt = performance.now();
  const stats = (): RecorderStats => recorderStats(totals, pairs.size / 2, file.lines());
  return {
    url,
    port,
    connections: () => pairs.size / 2,
    stats,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of pairs) socket.close(1001, 'recorder stopping');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      for (const socket of pairs) socket.terminate();
      server.closeAllConnections();
      await file.close();
      logger.log(summaryOf(stats(), logger.dropped(), performance.now() - startedAt));
    },
  };
}
