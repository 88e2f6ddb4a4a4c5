// Real ws clients for tests: connect, send, collect echoes, and wait for the close.
import WebSocket from 'ws';

/** A received message as the client saw it. */
export interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** What a client saw of the connection's end. */
export interface Closed {
  code: number;
  reason: string;
}

/** A connected ws client that records messages and its close. */
export interface TestClient {
  ws: WebSocket;
  received: Received[];
  /** Resolves when `count` messages have arrived in total. */
  nextMessages(count: number): Promise<Received[]>;
  /** Resolves with the close code and reason. */
  closed: Promise<Closed>;
}

/** Resolves once `ws` is open; rejects with `HTTP <status>` if the upgrade is refused, or with the connection error. */
function opened(ws: WebSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** Opens a bare ws client (no recording: for load, see echo-load.ts) and resolves once it is open. */
export async function openClient(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  ws.on('error', () => undefined); // after open, errors show up as 'close' (1006)
  await opened(ws);
  return ws;
}

/** Closes a ws client (terminating it if the close handshake does not finish) and waits for it. */
export async function closeClient(ws: WebSocket | undefined): Promise<void> {
  if (!ws || ws.readyState === WebSocket.CLOSED) return;
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  const timer = setTimeout(() => ws.terminate(), 2000);
  await closed;
  clearTimeout(timer);
}

/** Connects a ws client to `url` that records every message and its close, and resolves once it is open. */
export async function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, options);
  const received: Received[] = [];
  let waiter: { count: number; resolve: (r: Received[]) => void } | undefined;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    received.push({ data, isBinary });
    if (waiter && received.length >= waiter.count) {
      waiter.resolve(received.slice(0, waiter.count));
      waiter = undefined;
    }
  });
  const closed = new Promise<Closed>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('error', () => undefined); // surfaced through `closed` (1006) or the open promise
  await opened(ws);
  return {
    ws,
    received,
    closed,
    nextMessages: (count) =>
      received.length >= count
        ? Promise.resolve(received.slice(0, count))
        : new Promise((resolve) => (waiter = { count, resolve })),
  };
}

/** Sends `parts` as the fragments of one message (binary or text). */
export function sendFragmented(client: TestClient, parts: Array<string | Buffer>, binary: boolean): void {
  parts.forEach((part, index) => client.ws.send(part, { binary, fin: index === parts.length - 1 }));
}

/** The HTTP status an upgrade to `url` is refused with, or 101 if it is accepted. */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
