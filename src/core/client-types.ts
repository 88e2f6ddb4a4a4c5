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

/** How `send()` sends a message. */
export interface SendOptions {
  /**
   * Sends it as one fragmented message, in frames of exactly these payload sizes, in bytes (a string's UTF-8 bytes):
   * whole numbers adding up to its length, 0 for an empty frame, at most 65,536 of them. With a `fragment` fault on,
   * these sizes are used instead of its size (the `delay` and `throttle` still apply).
   */
  frames?: readonly number[];
}

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
  /** Bytes queued for this client and not yet written to its socket, those waiting for `delay` or `throttle` too. */
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
   * Sends a message to this client: a string as text, a Buffer, Uint8Array or ArrayBuffer as binary; after the echoes
   * sent before it, and through the connection's faults (`delay`, `throttle`, `fragment`) as they are. `frames` sends
   * it in frames of those payload sizes. Throws if the connection is no longer open, or for bad `frames`.
   * @example client.send('hello'); client.send(Buffer.from([1, 2, 3]));
   * @example client.send('hello', { frames: [2, 0, 3] }); // three frames: 'he', '', 'llo'
   */
  send(data: OutgoingData, options?: SendOptions): void;
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
  /**
   * Takes the next message not yet handed out (as `nextMessage()` does) and checks it against `expected`: a string
   * (exact text), a Buffer or Uint8Array (exact binary), a RegExp (tested on text), a function `(message) => boolean`,
   * or a plain object or array (the text parses as JSON and contains it: {@link MessageExpectation}). With
   * `skip: true` it takes messages until one matches. Rejects on a mismatch, a timeout or a close, with an error that
   * shows what was expected, each message that arrived and the connection's state.
   * @example await client.expectMessage({ type: 'join' }, { timeout: 1000 });
   */
  expectMessage(expected: MessageExpectation, options?: ExpectMessageOptions): Promise<ReceivedMessage>;
  /**
   * Waits for the connection to end and checks how: resolves with `closed`; rejects if `code` or `reason` differ, or
   * after `timeout` (default 2000 ms) with the connection's state.
   * @example await client.expectClosed({ code: 4000, reason: 'bye' });
   */
  expectClosed(options?: ExpectClosedOptions): Promise<ClientClosed>;
  /**
   * What crossed this connection, oldest first, in both directions (recorded servers only): the client's messages,
   * echoes, the test's sends, the greeting, pings and pongs from the client, and the close. Bounded: the newest
   * 1,000 entries, each keeping at most 64 bytes of its payload as a preview.
   * @example console.log(client.transcript().map((e) => `${e.direction} ${e.kind} ${e.size}`));
   */
  transcript(): TranscriptEntry[];

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
type SettableName =
  | 'delay'
  | 'closeAfter'
  | 'closeCode'
  | 'closeReason'
  | 'dropAfter'
  | 'resetAfter'
  | 'fragment'
  | 'noPong'
  | 'throttle'
  | 'seed';

/**
 * What {@link EchoClient.set} takes: any of the settable behaviours, each its value or `undefined` to turn it off
 * (spelt out, so `{ delay: undefined }` type-checks under `exactOptionalPropertyTypes`).
 */
export type SettableBehaviour = { [Name in SettableName]?: BehaviourOptions[Name] | undefined };

/** What {@link EchoClient.ping} resolves with. */
export interface PongReply {
  /** The pong's payload (the ping's, from a client that answers as RFC 6455 says). */
  data: Buffer;
  /** Milliseconds from the ping handed to the socket to its pong read. */
  rtt: number;
}

// -- assertions and transcripts --

/** A JSON value, as `expectMessage()` compares it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What `expectMessage()` checks a message against:
 * - a string: a text message with exactly that text;
 * - a Buffer or Uint8Array: a binary message with exactly those bytes;
 * - a RegExp: a text message the pattern matches (`g` and `y` flags ignored);
 * - a function: called with the message, passes when it returns true (what it throws fails the check and is shown);
 * - a plain object or array: a text message that parses as JSON and contains it, as Jest's `toMatchObject` does:
 *   an object's every key must be there with a matching value (other keys are ignored), an array must have the same
 *   length with each element matching in order, and strings, numbers, booleans and null must be equal.
 */
export type MessageExpectation =
  | string
  | Buffer
  | Uint8Array
  | RegExp
  | ((message: ReceivedMessage) => boolean)
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Options of `expectMessage()`. */
export interface ExpectMessageOptions extends WaitOptions {
  /**
   * Take messages until one matches (default false: the next message must match). Those taken on the way are
   * listed if none matches in time.
   */
  skip?: boolean;
}

/** What `expectClosed()` checks; each field is optional. */
export interface ExpectClosedOptions extends WaitOptions {
  /** The close code the connection must end with (`closed.code`). */
  code?: number;
  /** The close reason it must end with (`closed.reason`). */
  reason?: string;
}

/** One entry of a connection's transcript. */
export interface TranscriptEntry {
  /** `in`: from the client; `out`: from the server. A close is `in` when the client closed first. */
  direction: 'in' | 'out';
  /**
   * `message` (the client's), `echo`, `send` (the test's `send()` or `broadcast()`), `greeting`, `ping` and `pong`
   * (the client's), `close`.
   */
  kind: 'message' | 'echo' | 'send' | 'greeting' | 'ping' | 'pong' | 'close';
  /** The frame's data type: `text`, `binary`, `ping`, `pong` or `close`. */
  opcode: 'text' | 'binary' | 'ping' | 'pong' | 'close';
  /** Payload bytes (a message's whole size, however little of it the preview keeps). */
  size: number;
  /** The start of the payload: text as text, anything else as hex bytes (`01 ff`). */
  preview: string;
  /** Whether the preview is shorter than the payload. */
  truncated: boolean;
  /** Milliseconds since the connection opened. */
  atMs: number;
  /** For a `close`: how the connection ended. */
  closed?: ClientClosed;
}
