// Raw TCP and hand-written HTTP for tests: connect, send any request, read the answer, and do the WebSocket opening
// handshake by hand.
import { createHash, randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';

/** The GUID RFC 6455 §1.3 appends to the key to compute `Sec-WebSocket-Accept`. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

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

/** A socket whose opening handshake succeeded: paused, with no 'data' listener, so it reads nothing unless told to. */
export interface UpgradedSocket {
  socket: Socket;
  /** The 101 response head. */
  head: HttpHead;
  /** Bytes that came right after the response head (the first frames, if any). */
  rest: Buffer;
}

/** A fresh random `Sec-WebSocket-Key`: 16 random bytes in base64 (RFC 6455 §4.1). */
export function randomKey(): string {
  return randomBytes(16).toString('base64');
}

/** The `Sec-WebSocket-Accept` a server must answer `key` with (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
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

/** The bytes of an upgrade request to `port` with `key`, as `request` shapes it (valid unless it overrides headers). */
function upgradeRequestBytes(port: number, key: string, request: UpgradeRequest): Buffer {
  const headers = { ...upgradeHeaders(port, key), ...request.headers };
  const text = Buffer.from(httpRequestText(request.method ?? 'GET', request.path ?? '/', headers), 'latin1');
  return request.trailing ? Buffer.concat([text, request.trailing]) : text;
}

/** The port of a `ws://` or `wss://` URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
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

/**
 * Collects everything `socket` receives from now on (it starts reading) and resolves with it when the socket closes.
 */
export function collectUntilClosed(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    socket.on('error', () => undefined); // a reset shows up as the close below
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => resolve(Buffer.concat(chunks)));
    socket.resume();
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
 * Sends `request` (text, or bytes) on a new connection to `port` and reads one response:
 * its head and, unless it is a 101, its body by Content-Length. The socket is destroyed
 * afterwards; use {@link openUpgraded} to keep an accepted upgrade.
 */
export async function rawHttp(port: number, request: string | Buffer): Promise<HttpAnswer> {
  const socket = await openTcp(port);
  socket.on('error', () => undefined); // a reset after the answer is not the test's concern
  try {
    const answer = readHead(socket);
    socket.write(request);
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
  return rawHttp(port, upgradeRequestBytes(port, randomKey(), request));
}

/**
 * Connects to 127.0.0.1:`port`, sends a version-13 opening handshake with a random key
 * (shaped by `request`) and resolves once the server answered 101 with the right
 * `Sec-WebSocket-Accept`. Rejects (and closes the socket) on any other answer. Errors on
 * the socket are swallowed: a reset shows up as 'close'.
 */
export async function openUpgraded(port: number, request: UpgradeRequest = {}): Promise<UpgradedSocket> {
  const socket = await openTcp(port);
  socket.on('error', () => undefined);
  const key = randomKey();
  try {
    const answer = readHead(socket);
    socket.write(upgradeRequestBytes(port, key, request));
    const { head, rest } = await answer;
    if (head.status !== 101) throw new Error(`upgrade refused: HTTP ${head.status} ${head.statusText}`);
    if (head.headers['sec-websocket-accept'] !== acceptFor(key)) {
      throw new Error(`wrong Sec-WebSocket-Accept ${JSON.stringify(head.headers['sec-websocket-accept'])}`);
    }
    return { socket, head, rest };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}
