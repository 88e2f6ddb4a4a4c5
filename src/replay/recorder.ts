// startRecorder(): listens like the server, proxies each client to a target, and writes the conversation.
import { setTimeout } from 'node:timers';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { EchoServerError } from '../core/errors';
import type { TlsOptions } from '../core/types';
import { createHttpServerFor, formatUrl, listen } from '../edge/listener';
import { resolveOptions } from '../options/options';
import { proxyPair } from './proxy-pair';
import { TranscriptFile } from './transcript-file';

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
  /** More request headers to write as `[redacted]` (Authorization, Cookie and Sec-WebSocket-Key always are). */
  redactHeaders?: string[];
  /** Largest message taken from either side, bytes (default 100 MiB). */
  maxPayload?: number;
  /** Gets one readable line per connection opened, refused or ended (default: nothing). */
  log?: (line: string) => void;
}

/** A running recorder. */
export interface Recorder {
  /** `ws://host:port` (`wss://` with TLS) for a client to connect to instead of the target. */
  readonly url: string;
  readonly port: number;
  /** Connections being recorded now. */
  connections(): number;
  /** Stops listening, closes every pair (1001 to both sides) and finishes the file. */
  close(): Promise<void>;
}

/** Request headers ws sets itself on the upstream request, or that belong to one hop only. */
const NOT_PASSED_ON = new Set([
  'host',
  'connection',
  'upgrade',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'te',
  'trailer',
  'proxy-authorization',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** Headers written as `[redacted]` whatever the flags say. */
const ALWAYS_REDACTED = ['authorization', 'cookie', 'sec-websocket-key'];

/** A request's headers as one string each (lower-case names), `redacted` ones hidden. */
function headersOf(req: IncomingMessage, redacted: Set<string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = redacted.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The headers sent on to the target: the client's, less those of one hop. */
function passedOn(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined && !NOT_PASSED_ON.has(name)) headers[name] = value;
  return headers;
}

/** Answers a raw upgrade socket with a plain HTTP status and a one-line body, and ends it. */
function refuse(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n`;
  socket.end(`${head}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** The target URL checked; throws an {@link EchoServerError} (exit code 2). */
function checkTarget(target: unknown): URL {
  const url = typeof target === 'string' && URL.canParse(target) ? new URL(target) : undefined;
  if (url?.protocol !== 'ws:' && url?.protocol !== 'wss:')
    throw new EchoServerError(`target must be a ws:// or wss:// URL, got ${JSON.stringify(target)}`, 2);
  return url;
}

/** The upstream URL for a client's request: the target's path joined with the client's path and query. */
function upstreamUrl(target: URL, requestUrl: string): string {
  const base = target.href.replace(/\/$/, '').replace(/\?.*$/, '');
  return base + (requestUrl.startsWith('/') ? requestUrl : `/${requestUrl}`);
}

/** What every upgrade of one recorder shares. */
interface RecorderState {
  target: URL;
  file: TranscriptFile;
  wss: WebSocketServer;
  /** The subprotocol the target chose, for the client's handshake. */
  chosen: WeakMap<IncomingMessage, string>;
  /** Every socket of a pair being recorded (client and upstream). */
  pairs: Set<WebSocket>;
  redacted: Set<string>;
  maxPayload: number;
  /** Milliseconds the target has to answer the upgrade (the server's handshake timeout). */
  handshakeTimeout: number;
  log: (line: string) => void;
}

/**
 * Handles a client's upgrade: connects to the target first, then answers the client with what the target agreed,
 * and proxies the pair as the next connection of the transcript.
 */
function upgradeHandler(state: RecorderState): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { target, file, wss, chosen, pairs, redacted, maxPayload, handshakeTimeout, log } = state;
  let next = 1;
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((name) => name.trim());
    const upstream = new WebSocket(upstreamUrl(target, req.url ?? '/'), offered.filter(Boolean), {
      headers: passedOn(req),
      maxPayload,
      perMessageDeflate: req.headers['sec-websocket-extensions'] !== undefined,
      handshakeTimeout,
    });
    let upstreamSocket: Duplex | undefined;
    upstream.once('upgrade', (response) => (upstreamSocket = response.socket));
    // Until the client's handshake is answered, a client that leaves (or whose request ws refuses) ends the upstream.
    let upgraded = false;
    const gone = (): void => upstream.terminate();
    socket.once('close', gone);
    upstream.on('error', (error) => {
      log(`upstream ${target.href}: ${error.message}`);
      if (!upgraded) refuse(socket, 502, `the target could not be reached: ${error.message}\n`);
    });
    upstream.on('unexpected-response', (_request, response) => {
      log(`upstream refused ${req.url}: HTTP ${response.statusCode}`);
      refuse(socket, response.statusCode ?? 502, `the target answered HTTP ${response.statusCode}\n`);
      upstream.terminate();
    });
    upstream.once('open', () => {
      chosen.set(req, upstream.protocol);
      wss.handleUpgrade(req, socket, head, (client) => {
        upgraded = true;
        socket.off('close', gone);
        const number = next++;
        const openLine = { c: number, event: 'open', path: req.url ?? '/', protocol: client.protocol };
        file.write({ ...openLine, extensions: upstream.extensions, headers: headersOf(req, redacted), at: new Date() });
        log(`#${number} recording ${req.url} (subprotocol ${client.protocol || 'none'})`);
        pairs.add(client).add(upstream);
        void proxyPair(number, [client, upstream], [socket, upstreamSocket!], file).then(() => {
          pairs.delete(client);
          pairs.delete(upstream);
          log(`#${number} ended`);
        });
      });
    });
  };
}

/**
 * Starts a recorder: listens (port, host and TLS as {@link startEchoServer}), and for each client opens a connection
 * to `target` (its path and query, its offered subprotocols and its headers passed on), answers the client's
 * handshake with what the target agreed (subprotocol, compression), then proxies both ways, writing each message to
 * `out`. A target that refuses gets its status passed to the client; one that cannot be reached, 502.
 * @example const recorder = await startRecorder({ target: 'ws://127.0.0.1:9000', out: 'feed.jsonl', port: 0 });
 */
export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const target = checkTarget(options.target);
  const config = resolveOptions({ port: options.port, host: options.host, tls: options.tls });
  const maxPayload = options.maxPayload ?? config.maxPayload;
  const redacted = new Set([...ALWAYS_REDACTED, ...(options.redactHeaders ?? []).map((name) => name.toLowerCase())]);
  const log = options.log ?? (() => undefined);
  const file = await TranscriptFile.open(options.out);
  file.write({ 'ws-echo': 'transcript', version: 1, recorded: new Date().toISOString(), target: target.href });
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    perMessageDeflate: true,
    handleProtocols: (_offered, req) => chosen.get(req) || false,
  });
  const pairs = new Set<WebSocket>();
  const server = createHttpServerFor(config);
  server.on('request', (_req, res) => res.writeHead(426, { 'Content-Type': 'text/plain' }).end('upgrade required\n'));
  server.on(
    'upgrade',
    upgradeHandler({
      target,
      file,
      wss,
      chosen,
      pairs,
      redacted,
      maxPayload,
      handshakeTimeout: config.handshakeTimeoutMs,
      log,
    }),
  );
  await listen(server, config.port, config.host);
  const { port } = server.address() as { port: number };
  return {
    url: formatUrl(config.tls !== undefined, config.host, port),
    port,
    connections: () => pairs.size / 2,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of pairs) socket.close(1001, 'recorder stopping');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      for (const socket of pairs) socket.terminate();
      server.closeAllConnections();
      await file.close();
    },
  };
}
