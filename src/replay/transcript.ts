// The transcript file: its line shapes (JSON Lines, docs/transcripts.md), reading one back with clear errors.
import { EchoServerError } from '../core/errors';
import type { EchoRule } from '../core/rule-types';
import { CaptureNames } from './capture-names';
import { lineFault } from './transcript-checks';
import { scriptRuleOf } from './script-rules';

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

export { LINE_MATCHES } from './transcript-checks';

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

/** What a hand-written line may add to a message or ending line (docs/transcripts.md, "Lines written by hand"). */
export interface ScriptFields {
  /** Played this many ms after the previous line instead of at its `t` (server and ending lines). */
  wait?: number;
  /** Behaviours set on the connection (`client.set()`'s names) before the line plays. */
  set?: Record<string, unknown>;
}

/** One message: from the client (`c`) or the server (`s`), `t` ms after the open; text, binary (base64) or JSON. */
export interface MessageLine extends ScriptFields {
  c: number;
  from: 'c' | 's';
  /** Ms after the open; may be left out on a line with `wait`. */
  t?: number;
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
  /** Hand-written, server lines: sent again every this many ms (at least 10) until the script ends. */
  every?: number;
  /** Hand-written, client lines matched as JSON: RFC 6901 pointers left out of the comparison on both sides. */
  ignore?: string[];
}

/** How a connection ended: a close handshake started by `by`, a drop (no close frame) or a reset by `by`. */
export interface EndLine extends ScriptFields {
  c: number;
  event: 'close' | 'drop' | 'reset';
  by: 'c' | 's';
  t?: number;
  /** A close's code (1005 when the close frame had none) and reason. */
  code?: number;
  reason?: string;
}

/** Hand-written: a line that only pauses the script (`wait`) or sets behaviours (`set`), or both. */
export interface PauseLine extends ScriptFields {
  c: number;
}

/** Hand-written: a reply rule (one rule of the `--rules FILE` format) for connection `c`, or `"*"` for every one. */
export interface RuleLine {
  c: number | '*';
  rule: Record<string, unknown>;
}

/** Any line after the header. */
export type TranscriptLine = OpenLine | MessageLine | EndLine | PauseLine | RuleLine;

/** A step of a connection's script: what the player plays, in order. */
export type ScriptStep = MessageLine | EndLine | PauseLine;

/** One recorded connection, its lines in order, and the rules that answer at any point while it plays. */
export interface RecordedConnection {
  open: OpenLine;
  steps: ScriptStep[];
  /** Where each step is written, as a mismatch names it (`feed.jsonl:7`, `capture.har: entry 3, message 2`). */
  places?: string[];
  /** Its rules and those for every connection (`"c": "*"`), in file order, as the `rules` option takes them. */
  rules?: EchoRule[];
}

/** A transcript as read from its file. */
export interface Transcript {
  header: TranscriptHeader;
  connections: RecordedConnection[];
}

/** A line's fault, named with its line number. */
const bad = (file: string, line: number, what: string): EchoServerError =>
  new EchoServerError(`${file}:${line}: ${what} (the format: docs/transcripts.md)`, 2);

/** Parses one JSON line; throws naming the line. */
function parseLine(file: string, number: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bad(file, number, `not JSON: ${(error as Error).message}`);
  }
}

/** Adds a checked line to its connection, opening one on an `open` line. */
function addLine(
  byNumber: Map<number, RecordedConnection>,
  line: ScriptStep | OpenLine,
  place: string,
  where: () => EchoServerError,
): void {
  if ('event' in line && line.event === 'open') {
    if (byNumber.has(line.c)) throw where();
    const defaults = { protocol: '', extensions: '', headers: {}, at: '' };
    byNumber.set(line.c, { open: { ...defaults, ...line } as OpenLine, steps: [], places: [] });
    return;
  }
  const connection = byNumber.get(line.c);
  if (!connection) throw where();
  connection.steps.push(line);
  connection.places?.push(place);
}

/** Gives each connection its rules and those for every connection, in file order. */
function giveRules(
  byNumber: Map<number, RecordedConnection>,
  rules: readonly { c: number | '*'; rule: EchoRule; number: number }[],
  missing: (number: number, c: number) => EchoServerError,
): void {
  const stray = rules.find(({ c }) => c !== '*' && !byNumber.has(c));
  if (stray) throw missing(stray.number, stray.c as number);
  for (const [c, connection] of byNumber) {
    const own = rules.filter((rule) => rule.c === '*' || rule.c === c).map(({ rule }) => rule);
    if (own.length > 0) connection.rules = own;
  }
}

/**
 * Reads a transcript from its text; `file` names it in errors. Throws {@link EchoServerError} (exit code 2) naming the
 * line and what is wrong with it.
 */
export function parseTranscript(text: string, file = 'transcript'): Transcript {
  const lines = text.split('\n');
  const header = parseLine(file, 1, lines[0] ?? '') as TranscriptHeader;
  if (header?.['ws-echo'] === 'transcript' && typeof header.version === 'number' && header.version !== 1)
    throw bad(file, 1, `version ${header.version} is not known; this ws-echo reads transcripts of version 1`);
  if (header?.['ws-echo'] !== 'transcript' || header.version !== 1)
    throw bad(file, 1, 'the first line must be {"ws-echo":"transcript","version":1,...}');
  const byNumber = new Map<number, RecordedConnection>();
  const rules: { c: number | '*'; rule: EchoRule; number: number }[] = [];
  const captures = new CaptureNames();
  lines.slice(1).forEach((raw, index) => {
    const number = index + 2;
    if (raw.trim() === '') return;
    const line = parseLine(file, number, raw) as TranscriptLine;
    const fault =
      typeof line === 'object' && line !== null
        ? (lineFault(line) ?? captures.fault(line))
        : 'each line is a JSON object';
    if (fault) throw bad(file, number, fault);
    if ('rule' in line) return void rules.push({ c: line.c, rule: scriptRuleOf(line.rule), number });
    addLine(byNumber, line, `${file}:${number}`, () =>
      bad(file, number, `connection ${line.c}: an open line must come first, and once`),
    );
  });
  if (byNumber.size === 0) throw bad(file, lines.length, 'no connection in the transcript');
  giveRules(byNumber, rules, (number, c) => bad(file, number, `a rule for connection ${c}, which has no open line`));
  return { header, connections: [...byNumber.values()] };
}
