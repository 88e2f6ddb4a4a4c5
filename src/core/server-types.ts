// A running echo server as its starter sees it: its address, counters, clients, waits and close().
import type { EchoClient, EchoServerEvents, OutgoingData, WaitOptions } from './client-types';
import type { EchoMode } from './echo-mode';

/**
 * Counters since the server started: the `public` counters of `COUNTERS` in core/counters.ts
 * (a type-level check there holds the two equal).
 */
export interface EchoStats {
  /** Connections upgraded to WebSocket since start. */
  connectionsTotal: number;
  /** Connections open now. */
  connectionsOpen: number;
  /** Upgrade requests refused (wrong path, origin, version, over the limit). */
  upgradesRejected: number;
  /** Messages received from clients. */
  messagesReceived: number;
  /** Messages sent back. */
  messagesEchoed: number;
  /** Payload bytes received. */
  bytesReceived: number;
  /** Payload bytes sent back. */
  bytesEchoed: number;
  /** Connections closed for breaking the protocol. */
  protocolErrors: number;
  /** Log lines dropped because the log stream could not keep up. */
  logLinesDropped: number;
  /** Milliseconds since the server started listening. */
  uptimeMs: number;
}

/** A running echo server, as {@link startEchoServer} resolves it. */
export interface EchoServer {
  /** `ws://host:port` plus the path if one is set (`wss://` with TLS), ready for a client. */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** The interface bound. */
  readonly host: string;
  /** The echo mode. */
  readonly mode: EchoMode;
  /** Number of open WebSocket connections. */
  connections(): number;
  /** A snapshot of the counters. */
  stats(): EchoStats;
  /**
   * Stops accepting, ends every connection (close 1001 in `graceful`, waiting up to
   * `closeTimeout`; a TCP drop in the other modes) and resolves when every socket is gone.
   * Pending `nextConnection()` and `nextMessage()` calls reject.
   */
  close(): Promise<void>;
  /**
   * The open connections, oldest first.
   * @example for (const client of server.clients()) client.send('tick');
   */
  clients(): EchoClient[];
  /**
   * The next connection not yet handed out by an earlier call, in the order they opened
   * (one that opened before the call counts, even if it has closed since). Rejects after
   * `timeout` with an error that says what did arrive. Needs `record` (the default).
   * @example const client = await server.nextConnection({ timeout: 1000 });
   */
  nextConnection(options?: WaitOptions): Promise<EchoClient>;
  /**
   * Sends `data` to every open connection (a string as text, bytes as binary) and returns how many it went to.
   * @example server.broadcast(JSON.stringify({ type: 'tick' }));
   */
  broadcast(data: OutgoingData): number;
  /**
   * Listens for `connection`, `message` (needs `record`) or `close`; each listener gets the
   * event with the same fields as the JSON log line, then the {@link EchoClient}.
   * @example server.on('message', (event, message, client) => client.send(`got ${event.size} bytes`));
   */
  on<E extends keyof EchoServerEvents>(event: E, listener: (...args: EchoServerEvents[E]) => void): this;
  /** {@link EchoServer.on} for the next event only. */
  once<E extends keyof EchoServerEvents>(event: E, listener: (...args: EchoServerEvents[E]) => void): this;
  /** Removes a listener added with {@link EchoServer.on} or {@link EchoServer.once}. */
  off<E extends keyof EchoServerEvents>(event: E, listener: (...args: EchoServerEvents[E]) => void): this;

  // -- assertions and transcripts --
  /**
   * Resolves, with the open connections (oldest first), as soon as at least `count` are open at once; connections
   * that opened and closed since do not count. Does not hand connections out: `nextConnection()` still returns each.
   * Rejects after `timeout` (default 2000 ms) with what arrived, what is open and what closed.
   * @example const [first, second] = await server.waitForConnections(2);
   */
  waitForConnections(count: number, options?: WaitOptions): Promise<EchoClient[]>;
  /**
   * Readable text of each open connection's transcript (and of the last few closed ones), for printing when a test
   * fails; `''` when there is none. Bounded like each transcript.
   * @example afterEach(() => console.log(server.describeConnections()));
   */
  describeConnections(): string;

  // -- rules --
}

/** What every running server offers, one process or several (`--workers`): its address, counters and `close()`. */
export type EchoServerCore = Pick<EchoServer, 'url' | 'port' | 'host' | 'mode' | 'connections' | 'stats' | 'close'>;
