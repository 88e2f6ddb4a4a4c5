// The shapes a test sees of each connection and of the server's events (the fixture API).
import type { IncomingHttpHeaders } from 'node:http';
// Type-only (erased from the build): the API's events are the JSON log events, field for field.
import type { CloseEvent, ConnectionEvent, MessageEvent } from './log-events';
import type { BehaviourOptions } from './types';
/** What a listener of each `EchoServer` event receives. */
export interface EchoServerEvents {
  /** A client completed its opening handshake. */
  connection: [event: ConnectionEvent, client: EchoClient];
  /** A message arrived (recorded servers only): the log event (size and preview), the message, its client. */
  message: [event: MessageEvent, message: ReceivedMessage, client: EchoClient];
  /** A connection ended: code, reason, clean, initiator, cause, duration, messages. */
  close: [event: CloseEvent, client: EchoClient];
}

/** What `send()` and `broadcast()` take: a string goes as a text message, bytes as a binary one. */
export type OutgoingData = string | Buffer | Uint8Array | ArrayBuffer;

/** How long `nextConnection()` and `nextMessage()` wait. */
export interface WaitOptions {
  /** Milliseconds before the promise rejects (default 2000; `Infinity` waits for ever). */
  timeout?: number;
}

/** One message a client sent, as recorded. */
export interface ReceivedMessage {
  /** A text message as a string, a binary one as a Buffer (a copy: keeping it holds nothing else). */
  data: string | Buffer;
  isBinary: boolean;
  /** When it arrived. */
  time: Date;
}

/** How a connection ended: the fields of the `close` log event. */
export interface ClientClosed {
  /** The client's close code if it sent a close frame, else the server's, else 1006. */
  code: number;
  reason: string;
  /** Both close frames were exchanged. */
  clean: boolean;
  /** Who ended the connection first. */
  initiator: 'client' | 'server';
  /** Why the server ended it, when it did (`closed by the test`, `dropped by the test`, `idle timeout`, ...). */
  cause?: string;
}

/** One WebSocket connection to an `EchoServer`, as a test sees it. */
export interface EchoClient {
  /** The number in the logs (`#1`). */
  readonly id: number;
  /** The request path, without the query (`/chat`). */
  readonly path: string;
  /** The query parameters; a name given more than once maps to an array. */
  readonly query: Readonly<Record<string, string | string[]>>;
  /** The upgrade request's headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** The subprotocol agreed on, or `''`. */
  readonly protocol: string;
  /** The client's `address:port`. */
  readonly remote: string;
  /**
   * What the client sent, oldest first (recorded servers only). Bounded: at most 1,000
   * messages and 16 MiB per connection, the oldest going first (the newest is always kept).
   */
  readonly received: readonly ReceivedMessage[];
  /** Bytes queued for this client and not yet written to its socket. */
  readonly bufferedAmount: number;
  /** Whether the connection can still send (open, no close frame or drop under way). */
  readonly isOpen: boolean;
  /**
   * The next message not yet handed out by an earlier call (one that arrived before the call
   * counts). Rejects after `timeout`, or as soon as the connection closes with nothing left,
   * with an error that says what did arrive.
   * @example const { data, isBinary } = await client.nextMessage({ timeout: 1000 });
   */
  nextMessage(options?: WaitOptions): Promise<ReceivedMessage>;
  /**
   * Sends a message to this client: a string as text, a Buffer, Uint8Array or ArrayBuffer as binary.
   * Throws if the connection is no longer open.
   * @example client.send('hello'); client.send(Buffer.from([1, 2, 3]));
   */
  send(data: OutgoingData): void;
  /**
   * Starts the close handshake with a close frame, whatever the mode (default 1000, no reason);
   * `closed` resolves when it is done. Does nothing if the connection is already ending.
   * @example client.close(4000, 'test over');
   */
  close(code?: number, reason?: string): void;
  /**
   * Ends the TCP connection with no close frame (the client sees 1006), after what is queued is written.
   * @example client.drop();
   */
  drop(): void;
  /**
   * Resolves when the connection is gone, with how it ended; never rejects.
   * @example expect(await client.closed).toMatchObject({ code: 1000, clean: true, initiator: 'client' });
   */
  readonly closed: Promise<ClientClosed>;

  // -- assertions and transcripts --

  // -- control from the test --

  /**
   * Stops reading from this client until {@link EchoClient.resume}: what it sends waits in the kernel's buffers and
   * then in its own (its `bufferedAmount` grows), nothing is lost or reordered. Pings still go out; a missed pong or
   * the idle timeout does not end a paused connection. Does nothing if already paused.
   * @example client.pause(); ws.send('waits'); client.resume();
   */
  pause(): void;
  /** Reads from this client again after {@link EchoClient.pause} (the server's own backpressure still applies). */
  resume(): void;
  /** Whether the test paused reading from this client. */
  readonly paused: boolean;
  /**
   * Pings the client (payload `data`, at most 125 bytes; default a unique text) and resolves with its pong and the
   * round trip in milliseconds. Pings in flight are matched to pongs by payload. Rejects after `timeout`
   * (default 2000 ms) or when the connection closes first.
   * @example const { rtt } = await client.ping('hi');
   */
  ping(data?: OutgoingData, options?: WaitOptions): Promise<PongReply>;
  /**
   * Changes this connection's behaviour from now on, as the URL would have at the handshake (API names:
   * `{ delay: 100, throttle: 1024, fragment: 16, noPong: true, closeAfter: 2 }`; `undefined` turns one off). Checked
   * as startEchoServer() checks them: throws {@link EchoServerError} (exit code 2) naming what is wrong, and for a
   * name that cannot change after the handshake (`mode`, `bufferSize`, `greeting`, ...) which ones can.
   * @example client.set({ delay: 200 });
   */
  set(changes: SettableBehaviour): void;
}

/** The behaviours {@link EchoClient.set} can change on an open connection (the others are fixed at the handshake). */
export type SettableBehaviour = Partial<
  Pick<
    BehaviourOptions,
    | 'delay'
    | 'closeAfter'
    | 'closeCode'
    | 'closeReason'
    | 'dropAfter'
    | 'resetAfter'
    | 'fragment'
    | 'noPong'
    | 'throttle'
    | 'seed'
  >
>;

/** What {@link EchoClient.ping} resolves with. */
export interface PongReply {
  /** The pong's payload (the ping's, from a client that answers as RFC 6455 says). */
  data: Buffer;
  /** Milliseconds from the ping handed to the socket to its pong read. */
  rtt: number;
}
