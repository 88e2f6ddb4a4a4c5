// The events ws-echo logs; their fields are the documented JSON log format.
import type { EchoMode } from './echo-mode';

/** The server is listening. Always the first line, even with `--quiet`. */
export interface ListeningEvent {
  event: 'listening';
  url: string;
  host: string;
  port: number;
  mode: EchoMode;
  tls: boolean;
  /** Every connection's default behaviour where it differs from plain echo (see {@link ConnectionEvent.behaviour}). */
  behaviour?: Record<string, string | number | boolean>;
}
/** A client completed the opening handshake. */
export interface ConnectionEvent {
  event: 'connection';
  id: number;
  remote: string;
  path: string;
  /** How the WebSocket came: an HTTP/1.1 upgrade, or an HTTP/2 stream (RFC 8441). Set when the server has `--h2`. */
  transport?: 'http/1.1' | 'h2';
  /** The subprotocol answered, if any. */
  protocol?: string;
  /** The compression in effect: the `Sec-WebSocket-Extensions` answer, if any. */
  extensions?: string;
  /** Offers declined (subprotocols not listed, compression offers that could not be honoured). */
  declined?: string[];
  /**
   * What differs from plain echo, by URL parameter name (`{ mode: 'forever', delay: '10-50' }`); `{}` for plain echo.
   * Always set by the server.
   */
  behaviour?: Record<string, string | number | boolean>;
  /** Query parameters ws-echo does not read (an app's own, or a typo), as sent (decoded); at most 16. */
  unknownParams?: string[];
  /** For each of `unknownParams` close to a known name, that name (`{ dealy: 'delay' }`). */
  didYouMean?: Record<string, string>;
}
/** A fault a connection asked for took effect (`close-after`, `greeting`, `no-pong`, ...). */
export interface FaultEvent {
  event: 'fault';
  id: number;
  /** The parameter's name. */
  fault: string;
  /** What happened, one line. */
  detail: string;
}
/** A message arrived from a client (or, with `sent`, a replay's script sent one to it). */
export interface MessageEvent {
  event: 'message';
  id: number;
  /** `ws-echo replay` sent it, as its transcript says. */
  sent?: true;
  type: 'text' | 'binary';
  size: number;
  /** Text: up to 80 characters; binary: up to 16 bytes in hex. */
  preview: string;
  /** Whether the preview is shorter than the message. */
  truncated: boolean;
}
/** A connection ended. */
export interface CloseEvent {
  event: 'close';
  id: number;
  /** The client's close code if it sent one, else the server's, else 1006 (no close frame). */
  code: number;
  reason: string;
  /** Both close frames were exchanged (the RFC 6455 close handshake completed). */
  clean: boolean;
  /** Who ended the connection first. */
  initiator: 'client' | 'server';
  /** Why the server ended it, when it did: `idle timeout`, `first message echoed`, ... */
  cause?: string;
  durationMs: number;
  messages: number;
}
/** An upgrade was refused with an HTTP status. */
export interface RejectedEvent {
  event: 'rejected';
  remote: string;
  path: string;
  /** The HTTP status answered; 0 when the request had no HTTP answer (`reset`). */
  status: number;
  reason: string;
  /** Present when the HTTP/2 stream was reset instead of answered (`h2-reset`): the RST_STREAM error sent. */
  reset?: 'CANCEL';
}
/** A client broke the protocol and was closed with `code`. */
export interface ProtocolErrorEvent {
  event: 'protocol-error';
  id: number;
  code: number;
  error: string;
}
/** Something the operator should know (stderr). */
export interface WarningEvent {
  event: 'warning';
  message: string;
}
/** Something failed (stderr). */
export interface ErrorEvent {
  event: 'error';
  message: string;
}
/** The server is shutting down. */
export interface ShutdownEvent {
  event: 'shutdown';
  reason: string;
  connections: number;
}
/** Totals printed when the server stops. */
export interface SummaryEvent {
  event: 'summary';
  connections: number;
  /** Requests refused before a WebSocket opened (HTTP 4xx/5xx). */
  rejected: number;
  messages: number;
  bytesReceived: number;
  bytesEchoed: number;
  protocolErrors: number;
  logLinesDropped: number;
  uptimeMs: number;
}
/** Once a second with `--stats`: rates over the last interval and totals since start. */
export interface StatsEvent {
  event: 'stats';
  connections: number;
  connectionsTotal: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  messagesReceived: number;
  messagesEchoed: number;
  bytesReceived: number;
  bytesEchoed: number;
  logLinesDropped: number;
  uptimeMs: number;
}
/** A line of standard input was sent to the open connections as a text message (`--stdin`). */
export interface StdinLineEvent {
  event: 'stdin';
  /** How many open connections it went to. */
  connections: number;
  size: number;
  preview: string;
  truncated: boolean;
}
/** Standard input ended (`--stdin`); the server keeps running. */
export interface StdinEndEvent {
  event: 'stdin-end';
}
/** Log lines were dropped because the log stream could not keep up. */
export interface LogDroppedEvent {
  event: 'log-dropped';
  count: number;
}

/** `ws-echo replay` has read its transcript and plays it to each client: after `listening`, even with `--quiet`. */
export interface ReplayingEvent {
  event: 'replaying';
  /** The transcript (or HAR) file. */
  file: string;
  /** Connections it scripts. */
  connections: number;
}
/** `ws-echo record` is listening and writing its transcript: its first line, even with `--quiet`. */
export interface RecordingEvent {
  event: 'recording';
  url: string;
  host: string;
  port: number;
  tls: boolean;
  /** The server recorded. */
  target: string;
  /** The transcript file written. */
  out: string;
}
/** A recorded connection ended: how, by whom, and what passed each way (client: `fromClient`, target: `fromServer`). */
export interface RecordEndEvent {
  event: 'record-end';
  id: number;
  /** A close handshake, a drop (no close frame), a reset (ECONNRESET), or the recorder stopping (no ending written). */
  how: 'close' | 'drop' | 'reset' | 'stopped';
  by: 'client' | 'server' | 'recorder';
  /** A close's code (1005: the close frame had none) and reason. */
  code?: number;
  reason?: string;
  durationMs: number;
  messagesFromClient: number;
  messagesFromServer: number;
  bytesFromClient: number;
  bytesFromServer: number;
}
/** Totals printed when `ws-echo record` stops. */
export interface RecordSummaryEvent {
  event: 'record-summary';
  connections: number;
  /** Clients answered with an HTTP status instead (the target refused or could not be reached). */
  refused: number;
  messagesFromClient: number;
  messagesFromServer: number;
  bytesFromClient: number;
  bytesFromServer: number;
  /** Lines written to the transcript, the header included. */
  lines: number;
  logLinesDropped: number;
  uptimeMs: number;
}

/** Any logged event. Every JSON line also has `time` (ISO 8601). */
export type LogEvent =
  | ListeningEvent
  | ConnectionEvent
  | FaultEvent
  | MessageEvent
  | CloseEvent
  | RejectedEvent
  | ProtocolErrorEvent
  | WarningEvent
  | ErrorEvent
  | ShutdownEvent
  | SummaryEvent
  | StatsEvent
  | StdinLineEvent
  | StdinEndEvent
  | LogDroppedEvent
  | RecordingEvent
  | ReplayingEvent
  | RecordEndEvent
  | RecordSummaryEvent;

/**
 * Events that `--quiet` still prints: the summary is the one line a CI log wants most, and
 * `stats` only comes when `--stats` asks for it.
 */
export const QUIET_EVENTS: ReadonlySet<LogEvent['event']> = new Set([
  'listening',
  'recording',
  'replaying',
  'record-summary',
  'warning',
  'error',
  'summary',
  'stats',
]);

/**
 * Events a run logs at most once, that mark where it stands: never dropped when the output cannot keep up (a burst of
 * `stdin` or `message` lines must not hide the end of input or the summary). Bounded: one line each per run.
 */
export const MILESTONE_EVENTS: ReadonlySet<LogEvent['event']> = new Set([
  'listening',
  'recording',
  'replaying',
  'record-summary',
  'stdin-end',
  'shutdown',
  'summary',
]);

/** Events that go to stderr rather than stdout. */
export const STDERR_EVENTS: ReadonlySet<LogEvent['event']> = new Set(['warning', 'error']);
