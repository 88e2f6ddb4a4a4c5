// startRecorder(): listens like the server, proxies each client to a target, and writes the conversation.
import { setTimeout } from 'node:timers';
import type { IncomingMessage } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { EchoServerError } from '../core/errors';
import type { LogOptions, TlsOptions } from '../core/types';
import { createHttpServerFor, formatUrl, listen } from '../edge/listener';
import { createLogger, type Logger } from '../log/logger';
import { resolveOptions } from '../options/options';
import { newRecorderTotals, recorderStats, summaryOf, type RecorderStats } from './recorder-stats';
import { upgradeHandler, type RecorderState } from './recorder-upgrade';
import { shownTarget } from './redaction';
import { checkTargetTlsMaterial } from './target-tls-material';
import { TranscriptFile } from './transcript-file';
import { checkTarget, checkTargetTls, type TargetTlsOptions } from './upstream-request';

export type { RecorderStats } from './recorder-stats';
export type { TargetTlsOptions } from './upstream-request';

/** What {@link startRecorder} takes. */
export interface RecorderOptions {
  /** The server to record: `ws://` or `wss://` URL; each client's path and query are appended to its path. */
  target: string;
  /** The transcript file to write (JSON Lines, docs/transcripts.md): a new or empty file unless `overwrite`. */
  out: string;
  /** Replace `out` when it exists and is not empty (default false: refused, exit code 2). */
  overwrite?: boolean;
  /** Port to listen on (default 8080; 0 takes a free one). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Serve `wss://` to clients with this certificate and key. */
  tls?: TlsOptions;
  /** TLS to a `wss://` target: `ca`, `cert`, `key`, `passphrase`, `servername`, `rejectUnauthorized` as Node's. */
  targetTls?: TargetTlsOptions;
  /** More request headers to write as `[redacted]` (besides those always redacted: docs/transcripts.md). */
  redactHeaders?: string[];
  /** Largest message taken from either side, bytes (default 100 MiB); a larger one closes the pair with 1009. */
  maxPayload?: number;
  /** Pairs recorded (or dialling the target) at once; past it clients get 503 (default: no limit). */
  maxConnections?: number;
  /** Seconds a client has to send its upgrade, and the target, in all, to answer it (default 10; 504 past it). */
  handshakeTimeout?: number;
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
  /**
   * Why the transcript could not be written (a full disk...), once it happened: recording stopped then (every pair
   * closed 1011, new clients answered 503). Undefined while it writes.
   */
  readonly failed: Error | undefined;
  /**
   * Stops listening, closes every pair (1001 to both sides; no ending line is written for them, so on replay they stay
   * open after their last message) and finishes the file. Rejects with an EchoServerError
   * naming the file (exit code 1) when the transcript could not be written ({@link Recorder.failed}).
   */
  close(): Promise<void>;
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

/** Stops the recording when the transcript cannot be written: logged, every pair closed 1011, then ended. */
function stopOnFailure(state: RecorderState, out: string): void {
  state.file.onFailure((error) => {
    state.logger.log({ event: 'error', message: `${failureMessage(out, error)}; recording stopped` });
    for (const socket of state.pairs) {
      socket.close(1011, 'the recorder could not write its transcript');
      socket.resume(); // a side paused for the file reads the close frame that answers ours
    }
    setTimeout(() => state.pairs.forEach((socket) => socket.terminate()), 2000).unref();
  });
}

/** What a transcript that could not be written is reported as. */
function failureMessage(out: string, error: Error): string {
  return `cannot write the transcript ${out}: ${error.message}`;
}

/** What every upgrade shares: the target, the file, the ws server answering clients, the pairs, the limits. */
function recorderState(
  options: RecorderOptions,
  logger: Logger,
  config: ReturnType<typeof resolveOptions>,
  file: TranscriptFile,
): RecorderState {
  const limits = { maxPayload: options.maxPayload ?? config.maxPayload, maxFragments: config.maxFragments };
  const chosen = new WeakMap<IncomingMessage, string>();
  const handleProtocols = (_offered: Set<string>, req: IncomingMessage): string | false => chosen.get(req) || false;
  const wss = new WebSocketServer({
    noServer: true,
    ...limits,
    perMessageDeflate: true,
    handleProtocols,
    autoPong: false,
  });
  return {
    target: checkTarget(options.target),
    targetTls: checkTargetTls(options.targetTls),
    file,
    wss,
    chosen,
    pairs: new Set<WebSocket>(),
    redacted: new Set((options.redactHeaders ?? []).map((name) => name.toLowerCase())),
    limits,
    logger,
    totals: newRecorderTotals(),
    handshakeTimeout: config.handshakeTimeoutMs,
    maxConnections: config.maxConnections,
    dialling: 0,
    stopping: false,
  };
}

/** {@link startRecorder} logging through `logger` (the CLI's). Not part of the public API. */
export async function startRecorderLogging(options: RecorderOptions, logger: Logger): Promise<Recorder> {
  const shown = shownTarget(checkTarget(options.target));
  checkTargetTlsMaterial(checkTargetTls(options.targetTls));
  const { port: wanted, host, tls, maxConnections, handshakeTimeout } = options;
  const config = resolveOptions({ port: wanted, host, tls, maxConnections, handshakeTimeout });
  const file = await TranscriptFile.open(options.out, options.overwrite === true);
  file.write({ 'ws-echo': 'transcript', version: 1, recorded: new Date().toISOString(), target: shown });
  const state = recorderState(options, logger, config, file);
  const { pairs, totals } = state;
  stopOnFailure(state, options.out);
  const server = createHttpServerFor(config);
  server.on('request', (_req, res) => res.writeHead(426, { 'Content-Type': 'text/plain' }).end('upgrade required\n'));
  server.on(
    'upgrade',
    upgradeHandler(state, () => file.failure !== undefined),
  );
  await listen(server, config.port, config.host);
  const { port } = server.address() as { port: number };
  const url = formatUrl(config.tls !== undefined, config.host, port);
  const where = { url, host: config.host, port, tls: config.tls !== undefined };
  logger.log({ event: 'recording', ...where, target: shown, out: options.out });
  const startedAt = performance.now();
  const stats = (): RecorderStats => recorderStats(totals, pairs.size / 2, file.lines());
  return {
    url,
    port,
    connections: () => pairs.size / 2,
    stats,
    get failed() {
      return file.failure;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      state.stopping = true; // the recorder's own stop ends no conversation: no ending line is written for it
      for (const socket of pairs) socket.close(1001, 'recorder stopping');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      for (const socket of pairs) socket.terminate();
      server.closeAllConnections();
      await file.close();
      logger.log(summaryOf(stats(), logger.dropped(), performance.now() - startedAt));
      if (file.failure) throw new EchoServerError(failureMessage(options.out, file.failure), 1);
    },
  };
}
