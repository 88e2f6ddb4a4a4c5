// The transcript file: its line shapes (JSON Lines, docs/transcripts.md), reading one back with clear errors.
import { EchoServerError } from '../core/errors';

/** The first line of a transcript. */
export interface TranscriptHeader {
  'ws-echo': 'transcript';
  version: 1;
  /** When the recording started (ISO 8601). */
  recorded: string;
  /** The upstream URL that was recorded. */
  target: string;
}

/** How a client line must match what a client sends during a replay. */
export type LineMatch = 'exact' | 'json-subset' | 'regexp' | 'any';

/** The matches a hand-written line may ask for, as a table. */
export const LINE_MATCHES: readonly LineMatch[] = ['exact', 'json-subset', 'regexp', 'any'];

/** A connection opened: its number, request path and query, and what its handshake agreed. */
export interface OpenLine {
  c: number;
  event: 'open';
  /** The request path with its query (`/chat?room=1`). */
  path: string;
  /** The subprotocol the server selected, or `''`. */
  protocol: string;
  /** The `Sec-WebSocket-Extensions` the server answered, or `''`. */
  extensions: string;
  /** The client's request headers (lower-case names), credentials shown as `[redacted]`. */
  headers: Record<string, string>;
  /** When it opened (ISO 8601). */
  at: string;
}

/** One message: from the client (`c`) or the server (`s`), `t` ms after the open; text, binary (base64) or JSON. */
export interface MessageLine {
  c: number;
  from: 'c' | 's';
  t: number;
  text?: string;
  binary?: string;
  /** Hand-written: a JSON value (client: a pattern; server: sent as JSON text with captures filled). */
  json?: unknown;
  /** Hand-written, client lines: how the client's message must match (default `exact`). */
  match?: LineMatch;
  /** A ping frame (its payload, base64; `""` for none) instead of a message. */
  ping?: string;
  /** A pong frame (its payload, base64; `""` for none) instead of a message. */
  pong?: string;
  /** A fragmented message: the payload bytes of each frame as the sender framed it (absent: one frame). */
  frames?: number[];
}

/** How a connection ended: a close handshake started by `by`, a drop (no close frame) or a reset by `by`. */
export interface EndLine {
  c: number;
  event: 'close' | 'drop' | 'reset';
  by: 'c' | 's';
  t: number;
  /** A close's code (1005 when the close frame had none) and reason. */
  code?: number;
  reason?: string;
}

/** Any line after the header. */
export type TranscriptLine = OpenLine | MessageLine | EndLine;

/** One recorded connection, its lines in order. */
export interface RecordedConnection {
  open: OpenLine;
  steps: (MessageLine | EndLine)[];
}

/** A transcript as read from its file. */
export interface Transcript {
  header: TranscriptHeader;
  connections: RecordedConnection[];
}

/** A line's fault, named with its line number. */
const bad = (file: string, line: number, what: string): EchoServerError =>
  new EchoServerError(`${file}:${line}: ${what} (the format: docs/transcripts.md)`, 2);

/** Checks the fields of a message line; returns what is wrong, or undefined. */
function messageFault(line: MessageLine): string | undefined {
  const bodies = ['text', 'binary', 'json'].filter((key) => key in line);
  if (line.from !== 'c' && line.from !== 's') return `"from" must be "c" or "s", got ${JSON.stringify(line.from)}`;
  if (typeof line.t !== 'number' || !(line.t >= 0)) return '"t" must be a number of ms, 0 or more';
  if (line.match !== undefined && !LINE_MATCHES.includes(line.match))
    return `"match" must be one of ${LINE_MATCHES.join(', ')}, got ${JSON.stringify(line.match)}`;
  if (line.match === 'any') return bodies.length <= 1 ? undefined : 'a message has one of "text", "binary", "json"';
  if (bodies.length !== 1) return 'a message has exactly one of "text", "binary", "json"';
  if (line.text !== undefined && typeof line.text !== 'string') return '"text" must be a string';
  if (line.binary !== undefined && typeof line.binary !== 'string') return '"binary" must be base64 text';
  if (line.match === 'regexp' && typeof line.text !== 'string') return '"match": "regexp" needs "text" (the pattern)';
  return undefined;
}

/** Checks one line after the header; returns what is wrong, or undefined. */
function lineFault(line: TranscriptLine): string | undefined {
  if (!Number.isInteger(line.c) || line.c < 1) return '"c" (the connection number) must be a whole number, 1 or more';
  if ('from' in line) return messageFault(line);
  if (line.event === 'open') return typeof line.path === 'string' ? undefined : 'an open line needs "path"';
  if (line.event !== 'close' && line.event !== 'drop' && line.event !== 'reset')
    return `"event" must be open, close, drop or reset, or the line a message with "from"`;
  if (line.by !== 'c' && line.by !== 's') return `"by" must be "c" or "s"`;
  if (line.event === 'close' && line.code !== undefined && !Number.isInteger(line.code))
    return '"code" must be a number';
  return undefined;
}

/** Parses one JSON line; throws naming the line. */
function parseLine(file: string, number: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bad(file, number, `not JSON: ${(error as Error).message}`);
  }
}

/** Adds a checked line to its connection, opening one on an `open` line. */
function addLine(byNumber: Map<number, RecordedConnection>, line: TranscriptLine, where: () => EchoServerError): void {
  if ('event' in line && line.event === 'open') {
    if (byNumber.has(line.c)) throw where();
    const defaults = { protocol: '', extensions: '', headers: {}, at: '' };
    byNumber.set(line.c, { open: { ...defaults, ...line } as OpenLine, steps: [] });
    return;
  }
  const connection = byNumber.get(line.c);
  if (!connection) throw where();
  connection.steps.push(line);
}

/**
 * Reads a transcript from its text; `file` names it in errors. Throws {@link EchoServerError} (exit code 2) naming the
 * line and what is wrong with it.
 */
export function parseTranscript(text: string, file = 'transcript'): Transcript {
  const lines = text.split('\n');
  const header = parseLine(file, 1, lines[0] ?? '') as TranscriptHeader;
  if (header?.['ws-echo'] !== 'transcript' || header.version !== 1)
    throw bad(file, 1, 'the first line must be {"ws-echo":"transcript","version":1,...}');
  const byNumber = new Map<number, RecordedConnection>();
  lines.slice(1).forEach((raw, index) => {
    const number = index + 2;
    if (raw.trim() === '') return;
    const line = parseLine(file, number, raw) as TranscriptLine;
    const fault = typeof line === 'object' && line !== null ? lineFault(line) : 'each line is a JSON object';
    if (fault) throw bad(file, number, fault);
    addLine(byNumber, line, () => bad(file, number, `connection ${line.c}: an open line must come first, and once`));
  });
  if (byNumber.size === 0) throw bad(file, lines.length, 'no connection in the transcript');
  return { header, connections: [...byNumber.values()] };
}
