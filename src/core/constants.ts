// Defaults and limits in one place, so the CLI, the API and the README agree.

/** Default port of the CLI (the API defaults to 0). */
export const DEFAULT_PORT = 8080;
/** Default interface: loopback, so nothing is exposed by accident. */
export const DEFAULT_HOST = '127.0.0.1';
/** The article's read buffer: 8 bytes. */
export const DEFAULT_BUFFER_SIZE = 8;
/** Largest message accepted by default: 100 MiB (the `ws` default). */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
/** Seconds a client has to finish its opening handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10;
/** Seconds a shutdown waits for close handshakes in `graceful` mode. */
export const DEFAULT_CLOSE_TIMEOUT = 2;
/** Milliseconds a dropped connection may stay half-open, after our FIN is out, before it is destroyed. */
export const DROP_LINGER_MS = 2000;
/** Milliseconds a dropped connection may take to flush its last echo (a client that never reads). */
export const DROP_STALL_MS = 30_000;

/** Outgoing bytes queued for one client past which the server stops reading from it. */
export const BACKPRESSURE_HIGH_WATER = 1024 * 1024;
/**
 * Pongs queued for one client past which the server stops reading from it: a pong is 2 to 127
 * bytes but costs a few hundred in the socket's queue, so pongs are counted, not weighed.
 */
export const PONGS_PENDING_HIGH_WATER = 1024;
/** Fragment size the default `--max-fragments` allows a `--max-payload` message to arrive in. */
export const SMALLEST_EXPECTED_FRAGMENT = 4 * 1024;
/** The default `--max-fragments` is never below this (ws's own default). */
export const MIN_DEFAULT_MAX_FRAGMENTS = 16 * 1024;
/** Log bytes queued on stdout past which new log lines are dropped and counted. */
export const LOG_HIGH_WATER = 256 * 1024;

/** Close codes the server sends (RFC 6455 §7.4.1). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_ABNORMAL = 1006;

/** What a recorded connection keeps of what its client sent (the newest message is always kept). */
export const RECORD_MAX_MESSAGES = 1000;
export const RECORD_MAX_BYTES = 16 * 1024 * 1024;
/** Connections a recorded server keeps for `nextConnection()` until it is called (oldest out first). */
export const PENDING_CONNECTIONS_MAX = 1000;
/** Milliseconds `nextConnection()` and `nextMessage()` wait unless told otherwise. */
export const DEFAULT_WAIT_MS = 2000;
/** Longest line `--stdin` sends; a longer one is skipped up to its newline, with a warning. */
export const STDIN_MAX_LINE_BYTES = 1024 * 1024;
