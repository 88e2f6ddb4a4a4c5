// The shapes shared by the server, the CLI and the public API: the options a server starts with.
import type { Writable } from 'node:stream';
import type { EchoMode } from './echo-mode';

export type { EchoMode } from './echo-mode';

// A running server (its counters, clients and close()) lives in server-types.ts; importers get it from here too.
export type { EchoServer, EchoServerCore, EchoStats } from './server-types';

// What a test sees of each connection lives in client-types.ts; importers get it from here too.
export type {
  ClientClosed,
  EchoClient,
  EchoServerEvents,
  OutgoingData,
  PongReply,
  ReceivedMessage,
  SendOptions,
  SettableBehaviour,
  WaitOptions,
} from './client-types';

/** How log lines are written: short colored lines for people, or one JSON object per line. */
export type LogFormat = 'pretty' | 'json';

/** Where and how the server logs. Logging is off unless this is given. */
export interface LogOptions {
  /** `pretty` (default) or `json`. */
  format?: LogFormat;
  /** Only the listening line, warnings and errors. */
  quiet?: boolean;
  /** Force colors on or off; by default chalk's detection plus `NO_COLOR`/`FORCE_COLOR`. Ignored for `json`. */
  color?: boolean;
  /** Stream for log lines (default `process.stdout`). */
  stdout?: Writable;
  /** Stream for warnings and errors (default `process.stderr`). */
  stderr?: Writable;
}

/** A certificate and key (PEM text or buffers) to serve `wss://` and `https://`. */
export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

/** A delay in milliseconds: a fixed value, or `[min, max]` for a random value in that range (inclusive). */
export type DelayOption = number | readonly [min: number, max: number];

/**
 * What each connection does. As options of {@link startEchoServer} they are the default for
 * every connection; a client overrides any of them in its URL as `?kebab-case-name=value`
 * (`closeAfter` is `?close-after=3`). Faults are off unless given.
 */
export interface BehaviourOptions {
  /** Echo mode (default `graceful`). URL: `?mode=one-shot`. */
  mode?: EchoMode;
  /** Bytes that `one-shot` reads and echoes (default 8, as in the article). URL: `?buffer-size=4`. */
  bufferSize?: number;
  /**
   * Each echo is sent this many ms after its message arrived, or a random value in `[min, max]`; order is kept. URL:
   * `?delay=100`, `?delay=10-50`.
   */
  delay?: DelayOption;
  /**
   * After this many echoes the server starts a close handshake (`graceful` completes it; other modes send the close
   * frame and drop). 0: right after the opening handshake.
   */
  closeAfter?: number;
  /** Code of the close that `closeAfter` starts (default 1000): 1000-1003, 1007-1014 or 3000-4999. */
  closeCode?: number;
  /** Reason of the close that `closeAfter` starts (default none; at most 123 bytes of UTF-8). */
  closeReason?: string;
  /** After this many echoes the TCP connection ends with no close frame (the client sees 1006). */
  dropAfter?: number;
  /** After this many echoes the TCP connection is reset (RST, not FIN). */
  resetAfter?: number;
  /** A text message sent first on every connection, before any echo (at most 64 KiB of UTF-8). */
  greeting?: string;
  /** Each echo is sent as a fragmented message, in frames of at most this many bytes. */
  fragment?: number;
  /** Every upgrade is refused with this HTTP status (400-599) and a short body. */
  reject?: number;
  /**
   * With `h2`, every RFC 8441 WebSocket (an HTTP/2 extended CONNECT) is refused with this HTTP status (400-599) after
   * the server advertised SETTINGS_ENABLE_CONNECT_PROTOCOL; HTTP/1.1 upgrades are not. URL: `?h2-refuse=405`.
   */
  h2Refuse?: number;
  /**
   * With `h2`, every RFC 8441 WebSocket's stream is reset (RST_STREAM CANCEL) with no answer; HTTP/1.1 upgrades are
   * not. URL: `?h2-reset`.
   */
  h2Reset?: boolean;
  /** The `101` answer is sent this many ms after the request. */
  acceptDelay?: number;
  /** Pings from the client are not answered; echoes go on. */
  noPong?: boolean;
  /** Seconds between server pings; a client that misses one is dropped (default 0: off). */
  pingInterval?: number;
  /** Echoes are written no faster than this many bytes per second. */
  throttle?: number;
  /** Seed of every random choice (delay ranges): the same seed gives the same delays. */
  seed?: number;
}

/** Options of {@link startEchoServer}; every field is optional. */
export interface EchoServerOptions extends BehaviourOptions {
  /** Echo mode (default `graceful`). */
  mode?: EchoMode;
  /** TCP port; `0` (default) takes a free one. */
  port?: number;
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Accept upgrades only on this path (default: any path). Others get HTTP 404. */
  path?: string;
  /** Bytes that `one-shot` reads and echoes (default 8, as in the article). */
  bufferSize?: number;
  /** Largest message accepted, in bytes (default 100 MiB); larger closes the client with 1009. */
  maxPayload?: number;
  /**
   * Most frames one message may arrive in; more closes the client with 1008 (default:
   * `maxPayload` / 4096, at least 16384, so a `maxPayload` message in 4 KiB fragments passes).
   */
  maxFragments?: number;
  /** Open connections allowed at once (default unlimited); past it upgrades get HTTP 503. */
  maxConnections?: number;
  /** Seconds without a message or ping from a client before it is closed (default 0: off). */
  idleTimeout?: number;
  /** Seconds between server pings; a client that misses one is dropped (default 0: off). */
  pingInterval?: number;
  /** Seconds a client has to send its whole opening handshake (default 10). */
  handshakeTimeout?: number;
  /** Seconds `close()` waits for close handshakes in `graceful` mode (default 2). */
  closeTimeout?: number;
  /** Accept only upgrades whose `Origin` header is one of these (default: any). */
  origins?: string[];
  /** Serve `wss://` with this certificate and key. */
  tls?: TlsOptions;
  /**
   * Subprotocols the server speaks (RFC 6455 §4.2.2): it answers the first one the client
   * offers that is listed; `['*']` answers whatever the client offers first; `[]` answers none.
   * A client offering only unlisted ones connects with none. Default: the client's first offer.
   */
  protocols?: string[];
  /** Negotiate permessage-deflate compression (RFC 7692) with clients that offer it (default false). */
  deflate?: boolean;
  /** Headers added to every answer: the `101`, plain HTTP answers and refusals (`{ 'X-Served-By': 'ws-echo' }`). */
  headers?: Record<string, string | string[]>;
  /** Log options; logs are off when this is absent or `false`. */
  log?: LogOptions | false;
  /**
   * Also serve WebSockets over HTTP/2 (RFC 8441 extended CONNECT) on the same port, beside HTTP/1.1 upgrades: HTTP/2
   * with prior knowledge (h2c) in clear text, ALPN `h2` with `tls` (default false).
   */
  h2?: boolean;
  /**
   * With `h2`, advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (default true). `false` is the fault of a server that does
   * not: clients open their WebSockets over HTTP/1.1, and a `:protocol` stream sent anyway is reset by Node
   * (RST_STREAM PROTOCOL_ERROR).
   */
  h2Advertise?: boolean;
  /** Serve Prometheus metrics at `GET /metrics` (default true; false answers 404). */
  metrics?: boolean;
  /**
   * Echo each message back (default `true`). With `false` messages are received and recorded
   * but not answered: a scripted server whose test answers with {@link EchoClient.send}.
   */
  echo?: boolean;
  /**
   * Record what each client sends, for {@link EchoClient.received}, `nextMessage()`,
   * `nextConnection()` and `message` events (default `true`; the CLI records nothing).
   * Chosen per connection when it opens: with `false`, a message costs nothing extra.
   */
  record?: boolean;

  // -- rules --
  /**
   * Reply rules: each message is offered to them in order, and the first whose `when` matches answers it instead of
   * the echo (`reply`, `send`, `close`, `drop`; `echo: true` echoes too). Unmatched messages are echoed as the mode
   * says (or not, with `echo: false`). See {@link import('./rule-types').EchoRule}.
   * @example rules: [{ when: { id: '$id', method: 'ping' }, reply: { jsonrpc: '2.0', id: '$id', result: 'pong' } }]
   */
  rules?: readonly import('./rule-types').EchoRule[];

  // -- control from the test --
  /**
   * Refuse an upgrade whose URL has a query parameter ws-echo does not know, with HTTP 400 naming it, the known names
   * and the closest one (default false: unknown parameters are only named, in the connection event's `unknownParams`).
   */
  strict?: boolean;
}
