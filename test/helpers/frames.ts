// Hand-built RFC 6455 frames, a streaming frame parser and a raw TCP WebSocket client for protocol tests.
import { createHash, randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';

/** The opcodes RFC 6455 §5.2 defines; any other value is reserved. */
export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** The GUID RFC 6455 §1.3 appends to the key to compute `Sec-WebSocket-Accept`. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A frame to build; everything but the opcode has the usual default (final, no RSV bits, masked, empty). */
export interface FrameSpec {
  opcode: number;
  /** Payload bytes; a string is sent as UTF-8. */
  payload?: Buffer | string;
  /** FIN bit (default true). */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** Mask the payload (default true, as a client must); a Buffer is the 4-byte key to use, true picks a random one. */
  mask?: boolean | Buffer;
}

/** A frame as parsed from the wire, payload already unmasked. */
export interface Frame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** A close frame's body: the status code (undefined for an empty body) and the reason bytes. */
export interface CloseBody {
  code: number | undefined;
  reason: Buffer;
}

/** The payload bytes of `payload` (strings as UTF-8). */
function toBytes(payload: Buffer | string | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

/** Length field of a frame header: 7 bits, or 126 + 16 bits, or 127 + 64 bits (RFC 6455 §5.2). */
function lengthField(length: number): { sevenBits: number; extended: Buffer } {
  if (length <= 125) return { sevenBits: length, extended: Buffer.alloc(0) };
  if (length <= 0xffff) {
    const extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
    return { sevenBits: 126, extended };
  }
  const extended = Buffer.alloc(8);
  extended.writeBigUInt64BE(BigInt(length));
  return { sevenBits: 127, extended };
}

/** XORs `data` with the 4-byte `key` into a new buffer (masking and unmasking are the same operation). */
export function applyMask(data: Buffer, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key[i & 3];
  return out;
}

/** Builds one frame's bytes exactly as `spec` says, however wrong that is. */
export function buildFrame(spec: FrameSpec): Buffer {
  const payload = toBytes(spec.payload);
  const mask = spec.mask ?? true;
  const key = mask === false ? undefined : mask === true ? randomBytes(4) : mask;
  const first =
    ((spec.fin ?? true) ? 0x80 : 0) |
    (spec.rsv1 ? 0x40 : 0) |
    (spec.rsv2 ? 0x20 : 0) |
    (spec.rsv3 ? 0x10 : 0) |
    (spec.opcode & 0x0f);
  const { sevenBits, extended } = lengthField(payload.length);
  const second = (key ? 0x80 : 0) | sevenBits;
  const parts = [Buffer.from([first, second]), extended];
  parts.push(...(key ? [key, applyMask(payload, key)] : [payload]));
  return Buffer.concat(parts);
}

/** A close frame's body: a 2-byte status code followed by the reason (no code: an empty body). */
export function closePayload(code?: number, reason: Buffer | string = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, toBytes(reason)]);
}

/** Reads a close frame's body; throws on a 1-byte body, which no valid close frame has. */
export function parseClosePayload(payload: Buffer): CloseBody {
  if (payload.length === 0) return { code: undefined, reason: Buffer.alloc(0) };
  if (payload.length === 1) throw new Error('close frame with a 1-byte body');
  return { code: payload.readUInt16BE(0), reason: payload.subarray(2) };
}

/**
 * Turns a byte stream into frames, however the stream is cut into chunks. Chunks are
 * kept in a list and joined only once a whole frame is there, so big frames cost O(n).
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes and returns every frame completed by them, in order. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (let frame = this.next(); frame; frame = this.next()) frames.push(frame);
    return frames;
  }

  /** Bytes received that are not part of a whole frame yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private next(): Frame | undefined {
    const header = this.peek(Math.min(this.buffered, 14));
    if (header.length < 2) return undefined;
    const masked = (header[1] & 0x80) !== 0;
    const sevenBits = header[1] & 0x7f;
    const extendedBytes = sevenBits === 126 ? 2 : sevenBits === 127 ? 8 : 0;
    const headerLength = 2 + extendedBytes + (masked ? 4 : 0);
    if (header.length < headerLength) return undefined;
    const length =
      sevenBits === 126 ? header.readUInt16BE(2) : sevenBits === 127 ? Number(header.readBigUInt64BE(2)) : sevenBits;
    if (this.buffered < headerLength + length) return undefined;
    const bytes = this.take(headerLength + length);
    const body = bytes.subarray(headerLength);
    return {
      fin: (header[0] & 0x80) !== 0,
      rsv1: (header[0] & 0x40) !== 0,
      rsv2: (header[0] & 0x20) !== 0,
      rsv3: (header[0] & 0x10) !== 0,
      opcode: header[0] & 0x0f,
      masked,
      payload: masked ? applyMask(body, header.subarray(headerLength - 4, headerLength)) : body,
    };
  }

  /** The first `count` buffered bytes, joining leading chunks if needed (they stay buffered). */
  private peek(count: number): Buffer {
    if (this.chunks.length === 0) return Buffer.alloc(0);
    if (this.chunks[0].length < count) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, count);
  }

  /** Removes and returns the first `count` buffered bytes. */
  private take(count: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const rest = joined.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= count;
    return joined.subarray(0, count);
  }
}

/** An HTTP response head: status, reason phrase and headers (names in lower case). */
export interface HttpHead {
  status: number;
  statusText: string;
  headers: Record<string, string>;
}

/** An HTTP response read from a raw socket: its head and its body (by Content-Length). */
export interface HttpAnswer extends HttpHead {
  body: string;
}

/** What to put in an upgrade request; a header set to undefined is left out. */
export interface UpgradeRequest {
  /** HTTP method (default `GET`). */
  method?: string;
  /** Request target (default `/`). */
  path?: string;
  /** Extra headers, or overrides of the defaults; undefined removes a default. */
  headers?: Record<string, string | undefined>;
  /** Bytes sent in the same write, right after the request head. */
  trailing?: Buffer;
}

/** A fresh random `Sec-WebSocket-Key`: 16 random bytes in base64 (RFC 6455 §4.1). */
export function randomKey(): string {
  return randomBytes(16).toString('base64');
}

/** The `Sec-WebSocket-Accept` a server must answer `key` with (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/** The text of a request: request line, headers in the given order, blank line. */
export function httpRequestText(method: string, path: string, headers: Record<string, string | undefined>): string {
  const lines = Object.entries(headers)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/** The headers of a valid version-13 upgrade request to `port`, with `key`. */
export function upgradeHeaders(port: number, key: string): Record<string, string> {
  return {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
  };
}

/** Opens a TCP connection to 127.0.0.1:`port` and resolves once it is connected. */
export function openTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // No Nagle: each write leaves as its own segment, so "one byte per write" means what it says.
    const socket = connectTcp({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Parses a response head (the text before the blank line). */
function parseHead(text: string): HttpHead {
  const [statusLine, ...lines] = text.split('\r\n');
  const match = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(match[1]), statusText: match[2], headers };
}

/**
 * Reads an HTTP response head from `socket`; resolves with it and the bytes that came
 * after it. Rejects if the socket ends first. The socket is left paused, so no byte after
 * the head is lost before the caller listens; the caller resumes it.
 */
export function readHead(socket: Socket): Promise<{ head: HttpHead; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.pause();
      cleanup();
      try {
        resolve({ head: parseHead(received.subarray(0, end).toString('latin1')), rest: received.subarray(end + 4) });
      } catch (error) {
        reject(error);
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`connection ended before a response head; got ${JSON.stringify(received.toString('latin1'))}`));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/** Reads exactly `length` more bytes from `socket` after `already`; resolves early with what came if it ends. */
function readBody(socket: Socket, already: Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let body = already;
    const finish = (): void => {
      socket.off('data', onData);
      socket.off('end', finish);
      socket.off('close', finish);
      resolve(body.subarray(0, length));
    };
    const onData = (chunk: Buffer): void => {
      body = Buffer.concat([body, chunk]);
      if (body.length >= length) finish();
    };
    if (body.length >= length || socket.readableEnded || socket.destroyed) return finish();
    socket.on('data', onData);
    socket.once('end', finish);
    socket.once('close', finish);
    socket.resume();
  });
}

/**
 * Sends `requestText` (plus `trailing` bytes) on a new connection to `port` and reads one
 * response: its head and, unless it is a 101, its body by Content-Length. The socket is
 * destroyed afterwards; use {@link openRawClient} to keep an accepted upgrade.
 */
export async function rawHttp(port: number, requestText: string, trailing?: Buffer): Promise<HttpAnswer> {
  const socket = await openTcp(port);
  socket.on('error', () => undefined); // a reset after the answer is not the test's concern
  try {
    const answer = readHead(socket);
    socket.write(trailing ? Buffer.concat([Buffer.from(requestText, 'latin1'), trailing]) : requestText);
    const { head, rest } = await answer;
    const length = head.status === 101 ? 0 : Number(head.headers['content-length'] ?? 0);
    const body = await readBody(socket, rest, length);
    return { ...head, body: body.toString('utf8') };
  } finally {
    socket.destroy();
  }
}

/** Sends an upgrade request (valid unless `request` overrides headers) and reads the answer; see {@link rawHttp}. */
export function rawUpgrade(port: number, request: UpgradeRequest = {}): Promise<HttpAnswer> {
  const headers = { ...upgradeHeaders(port, randomKey()), ...request.headers };
  return rawHttp(port, httpRequestText(request.method ?? 'GET', request.path ?? '/', headers), request.trailing);
}

/** How the server's side of the TCP connection ended, as the raw client saw it. */
export interface TcpEnd {
  /** Whether a close frame arrived before the end. */
  closeFrameReceived: boolean;
  /** Whether the end was a FIN ('end') rather than only a reset or destroy ('close'). */
  gracefulEnd: boolean;
}

/**
 * A WebSocket client that speaks raw bytes: nothing is validated or answered for you,
 * so tests can send anything and see exactly what the server sends back.
 */
export class RawClient {
  private readonly parser = new FrameParser();
  private readonly frames: Frame[] = [];
  private readonly waiters: Array<{ resolve: (frame: Frame) => void; reject: (error: Error) => void }> = [];
  private closeFrameSeen = false;
  private ended = false;
  private readonly endPromise: Promise<TcpEnd>;

  /**
   * @param socket the TCP socket, right after a 101 answer
   * @param head the 101 response head
   * @param rest bytes that came after the response head (the first frames, if any)
   */
  constructor(
    readonly socket: Socket,
    readonly head: HttpHead,
    rest: Buffer,
  ) {
    this.endPromise = new Promise<TcpEnd>((resolve) => {
      const finish = (gracefulEnd: boolean): void => {
        if (this.ended) return;
        this.ended = true;
        this.waiters.splice(0).forEach((w) => w.reject(new Error(`TCP connection ended with no further frame${this.leftoverNote()}`)));
        resolve({ closeFrameReceived: this.closeFrameSeen, gracefulEnd });
      };
      socket.once('end', () => finish(true));
      socket.once('close', () => finish(false));
    });
    socket.on('error', () => undefined); // resets show up as 'close'
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.receive(rest);
    socket.resume();
  }

  private leftoverNote(): string {
    return this.parser.pendingBytes > 0 ? ` (${this.parser.pendingBytes} bytes of an incomplete frame)` : '';
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.parser.push(chunk)) {
      if (frame.opcode === Opcode.close) this.closeFrameSeen = true;
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(frame);
      else this.frames.push(frame);
    }
  }

  /** Writes raw bytes as one TCP write; resolves once they are handed to the kernel. */
  send(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Builds `spec` (masked unless it says otherwise) and writes it. */
  sendFrame(spec: FrameSpec): Promise<void> {
    return this.send(buildFrame(spec));
  }

  /** Writes several frames in one TCP write. */
  sendFrames(specs: FrameSpec[]): Promise<void> {
    return this.send(Buffer.concat(specs.map(buildFrame)));
  }

  /** Writes `bytes` one byte per TCP write, each write waited for. */
  async sendByteByByte(bytes: Buffer): Promise<void> {
    for (let i = 0; i < bytes.length; i++) await this.send(bytes.subarray(i, i + 1));
  }

  /** Resolves with the next frame from the server; rejects if TCP ends before one arrives. */
  nextFrame(): Promise<Frame> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.ended) return Promise.reject(new Error(`TCP connection already ended; no frame${this.leftoverNote()}`));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Resolves with the next frame's close body; rejects if the next frame is not a close frame. */
  async nextClose(): Promise<CloseBody> {
    const frame = await this.nextFrame();
    if (frame.opcode !== Opcode.close) {
      throw new Error(`expected a close frame, got opcode ${frame.opcode} with ${frame.payload.length} bytes`);
    }
    return parseClosePayload(frame.payload);
  }

  /** The status code of the next frame, which must be a close frame. */
  async nextCloseCode(): Promise<number | undefined> {
    return (await this.nextClose()).code;
  }

  /** Resolves when the server's side of TCP ends ('end' or 'close'), saying whether a close frame came first. */
  tcpEnd(): Promise<TcpEnd> {
    return this.endPromise;
  }

  /** Frames that arrived and were not read with {@link nextFrame}. */
  unread(): readonly Frame[] {
    return this.frames;
  }

  /** Destroys the socket at once. */
  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * Connects to 127.0.0.1:`port`, sends a version-13 opening handshake with a random key,
 * and resolves with a {@link RawClient} once the server answered 101 with the right
 * `Sec-WebSocket-Accept`. Rejects (and closes the socket) on any other answer.
 */
export async function openRawClient(port: number, request: UpgradeRequest = {}): Promise<RawClient> {
  const socket = await openTcp(port);
  socket.on('error', () => undefined);
  const key = randomKey();
  const headers = { ...upgradeHeaders(port, key), ...request.headers };
  try {
    const answer = readHead(socket);
    const text = Buffer.from(httpRequestText('GET', request.path ?? '/', headers), 'latin1');
    socket.write(request.trailing ? Buffer.concat([text, request.trailing]) : text);
    const { head, rest } = await answer;
    if (head.status !== 101) throw new Error(`upgrade refused: HTTP ${head.status} ${head.statusText}`);
    if (head.headers['sec-websocket-accept'] !== acceptFor(key)) {
      throw new Error(`wrong Sec-WebSocket-Accept ${JSON.stringify(head.headers['sec-websocket-accept'])}`);
    }
    return new RawClient(socket, head, rest);
  } catch (error) {
    socket.destroy();
    throw error;
  }
}
