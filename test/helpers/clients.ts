// Real ws clients for tests: connect, collect echoes, and wait for the close.
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

/** Connects a ws client to `url` and resolves once it is open. */
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
  const closed = new Promise<Closed>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => undefined); // surfaced through `closed` (1006) or the open promise
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return {
    ws,
    received,
    closed,
    nextMessages: (count) =>
      received.length >= count ? Promise.resolve(received.slice(0, count)) : new Promise((resolve) => (waiter = { count, resolve })),
  };
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

/** Resolves once `condition()` holds, checking every few milliseconds (Jest's timeout bounds it). */
export async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
