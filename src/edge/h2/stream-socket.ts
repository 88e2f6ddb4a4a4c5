// An HTTP/2 stream dressed as the socket ws and the echo loop expect: an RFC 8441 WebSocket's bytes both ways, and
// the HTTP/1.1 answer head written to it (ws's 101, a refusal) turned into the stream's response headers.
import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { Duplex } from 'node:stream';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = constants;

/** Which transport a WebSocket came over, as logs, the `connection` event and `/metrics` name it. */
export type Transport = 'http/1.1' | 'h2';

/**
 * Header fields of an HTTP/1.1 answer that HTTP/2 forbids (RFC 9113 §8.2.2) or that RFC 8441 §5 drops (there is no
 * key, so no `Sec-WebSocket-Accept`).
 */
const DROPPED_HEADERS = new Set([
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'sec-websocket-accept',
]);

const HEAD_END = '\r\n\r\n';

/** The bytes of an answer head gathered at most; ws and the refusals write theirs in one piece, far smaller. */
const MAX_HEAD_BYTES = 64 * 1024;

/** `HTTP/1.1 101 Switching Protocols\r\nName: value...` as HTTP/2 response headers; a 101 is RFC 8441's 200. */
export function headersOfHead(head: string): OutgoingHttpHeaders {
  const [statusLine, ...lines] = head.split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: OutgoingHttpHeaders = { ':status': status === 101 ? 200 : status };
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (DROPPED_HEADERS.has(name)) continue;
    const value = line.slice(colon + 1).trim();
    const before = headers[name];
    headers[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [String(before)]), value];
  }
  return headers;
}

/**
 * The socket of one RFC 8441 WebSocket: reads are the stream's DATA, writes become DATA once the first write (an
 * HTTP/1.1 answer head) is answered as the stream's HEADERS. `end()` is END_STREAM (a drop: no close frame);
 * destroying it before that resets the stream (RST_STREAM CANCEL), after it asks the client to stop sending
 * (RST_STREAM NO_ERROR, RFC 9113 §8.1). No other stream of the session is touched. It has a remote address (the
 * session's) but no local port, so nothing takes it for a TCP connection of its own.
 */
export class StreamSocket extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private head: Buffer | undefined = Buffer.alloc(0);

  constructor(private readonly stream: ServerHttp2Stream) {
    super({ allowHalfOpen: true });
    const peer = stream.session?.socket;
    this.remoteAddress = peer?.remoteAddress;
    this.remotePort = peer?.remotePort;
    stream.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stream.pause();
    });
    stream.on('end', () => this.push(null));
    stream.on('error', () => this.destroy());
    stream.on('close', () => this.destroy());
  }

  /** What a reset of this WebSocket sends (the `reset-after` log line says it). */
  resetStream(): string {
    if (!this.stream.closed) this.stream.close(NGHTTP2_CANCEL);
    this.destroy();
    return 'HTTP/2 stream reset (RST_STREAM CANCEL); the session and its other streams go on';
  }

  override _read(): void {
    this.stream.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const body = this.head === undefined ? chunk : this.answer(chunk);
    if (body === undefined || body.length === 0 || this.stream.destroyed) return done();
    this.stream.write(body, done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    if (this.head !== undefined) return this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'latin1', done);
    if (this.stream.destroyed) return done();
    const last = chunks.length - 1;
    chunks.forEach(({ chunk }, i) => this.stream.write(chunk, i === last ? done : undefined));
  }

  override _final(done: (error?: Error | null) => void): void {
    if (!this.stream.destroyed) this.stream.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (!this.stream.closed) this.stream.close(this.stream.writableEnded ? NGHTTP2_NO_ERROR : NGHTTP2_CANCEL);
    done(error);
  }

  /** Gathers the answer head; once whole, answers the stream with it and returns what followed it. */
  private answer(chunk: Buffer): Buffer | undefined {
    const gathered = Buffer.concat([this.head as Buffer, chunk]);
    const end = gathered.indexOf(HEAD_END, 0, 'latin1');
    if (end === -1) {
      this.head = gathered;
      if (gathered.length > MAX_HEAD_BYTES) this.destroy();
      return undefined;
    }
    this.head = undefined;
    if (!this.stream.destroyed && !this.stream.headersSent) {
      this.stream.respond(headersOfHead(gathered.toString('latin1', 0, end)));
    }
    return gathered.subarray(end + HEAD_END.length);
  }
}

/** The transport of a WebSocket's socket. */
export function transportOf(socket: Duplex): Transport {
  return socket instanceof StreamSocket ? 'h2' : 'http/1.1';
}
