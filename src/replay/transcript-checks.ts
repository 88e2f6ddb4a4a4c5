// The checks of a transcript's lines when the file is read: each returns what is wrong with a line, or undefined.
import { PLAIN_BEHAVIOUR } from '../behaviour/behaviour';
import { behaviourAfterSet } from '../behaviour/settings';
import { MAX_SEND_FRAMES } from '../fixture/outgoing';
import { closestName } from '../core/suggest';
import { nestedRepeatFault } from '../rules/regexp-safety';
import { ignoreFault } from './json-pointers';
import { scriptRuleOf } from './script-rules';
import type { EndLine, LineMatch, MessageLine, TranscriptLine } from './transcript';

/** The matches a hand-written line may ask for, as a table. */
export const LINE_MATCHES: readonly LineMatch[] = ['exact', 'json-subset', 'regexp', 'any'];

/** The fields that carry a message's body: exactly one per line. */
const BODIES = ['text', 'binary', 'json', 'ping', 'pong'] as const;
/** Largest payload of a ping or pong (a control frame, RFC 6455 §5.5). */
const CONTROL_PAYLOAD_MAX = 125;

/** The shortest `every` of a server line, in ms: a repeated line cannot flood a client faster. */
export const MIN_EVERY_MS = 10;

/** Deepest nesting of arrays and objects a line's JSON may have: matching and filling it recurse once per level. */
export const MAX_JSON_DEPTH = 100;
/** Longest close reason, in UTF-8 bytes (RFC 6455 §5.5: a control frame's payload is at most 125 bytes). */
const CLOSE_REASON_MAX_BYTES = 123;

/** Whether `value` nests arrays and objects deeper than `left` levels (stops looking past the limit). */
function deeperThan(value: unknown, left: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (left === 0) return true;
  return Object.values(value).some((inner) => deeperThan(inner, left - 1));
}

/** A value as an error shows it: a number as written (`Infinity` for 1e400), anything else as JSON. */
const shown = (value: unknown): string => (typeof value === 'number' ? String(value) : JSON.stringify(value));

/** A close code a server may send (RFC 6455 §7.4), or 1005: the close frame had none. */
const isSendableCode = (code: number): boolean =>
  code === 1005 || (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

/** Checks a client line's pattern when it is played as a RegExp or JSON: it compiles, and not deeper than allowed. */
function patternFault(line: MessageLine): string | undefined {
  if (line.match === 'regexp' && typeof line.text === 'string') {
    try {
      new RegExp(line.text);
    } catch (error) {
      return `"text" is not a valid RegExp for "match": "regexp": ${(error as Error).message}`;
    }
    return nestedRepeatFault(line.text);
  }
  let value = line.json;
  if (value === undefined && typeof line.text === 'string' && (line.match === 'json-subset' || line.ignore)) {
    try {
      value = JSON.parse(line.text);
    } catch {
      return line.match === 'json-subset'
        ? '"match": "json-subset" needs "json", or "text" that parses as JSON'
        : undefined;
    }
  }
  return deeperThan(value, MAX_JSON_DEPTH) ? `the line's JSON nests deeper than ${MAX_JSON_DEPTH} levels` : undefined;
}

/** Checks `wait` and `set`, which hand-written message, ending and pause lines may carry. */
function scriptFieldsFault(line: { wait?: unknown; set?: unknown }): string | undefined {
  if (line.wait !== undefined && !(typeof line.wait === 'number' && line.wait >= 0 && Number.isFinite(line.wait)))
    return `"wait" must be a number of ms, 0 or more, got ${JSON.stringify(line.wait)}`;
  if (line.set === undefined) return undefined;
  if (typeof line.set !== 'object' || line.set === null || Array.isArray(line.set))
    return `"set" must be an object of behaviours such as {"delay": 100}, got ${JSON.stringify(line.set)}`;
  try {
    behaviourAfterSet(PLAIN_BEHAVIOUR, line.set as Record<string, unknown>);
  } catch (error) {
    // a replay counts server lines where an echo server counts echoes
    return `"set": ${(error as Error).message.replace(/^set\(\): /, '').replace(/\becho(es)?\b/g, (_echo, es?: string) => (es ? 'server lines' : 'server line'))}`;
  }
  return undefined;
}

/** The bytes of a message line's payload, for `frames`. */
function payloadBytes(line: MessageLine): number {
  return line.binary !== undefined ? Buffer.from(line.binary, 'base64').length : Buffer.byteLength(line.text ?? '');
}

/** Checks `frames`: whole numbers adding up to the payload, on text or binary lines; a server line's at most 65,536. */
function framesFault(line: MessageLine): string | undefined {
  if (line.frames === undefined) return undefined;
  if (line.text === undefined && line.binary === undefined) return '"frames" goes with "text" or "binary"';
  if (!Array.isArray(line.frames) || !line.frames.every((n) => Number.isInteger(n) && n >= 0) || !line.frames.length)
    return '"frames" must be an array of whole numbers, each the payload bytes of one frame';
  if (line.from === 's' && line.frames.length > MAX_SEND_FRAMES)
    return `"frames" lists ${line.frames.length} frames; a server line is sent in at most ${MAX_SEND_FRAMES}`;
  const sum = line.frames.reduce((a, b) => a + b, 0);
  const bytes = payloadBytes(line);
  return sum === bytes ? undefined : `"frames" add up to ${sum} bytes, but the payload is ${bytes}`;
}

/** Base64 as Node reads it without dropping anything: groups of 4, the last maybe 2 or 3 (padded or not). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** Checks a ping or pong line's payload. */
function controlFault(line: MessageLine): string | undefined {
  const field = line.ping !== undefined ? 'ping' : 'pong';
  const value = line[field];
  if (typeof value !== 'string' || !BASE64.test(value))
    return `"${field}" must be its payload as base64 ("" for none), got ${JSON.stringify(value)}`;
  if (Buffer.from(value, 'base64').length > CONTROL_PAYLOAD_MAX)
    return `"${field}" payload must be at most ${CONTROL_PAYLOAD_MAX} bytes`;
  if (line.match !== undefined || line.frames !== undefined || line.ignore !== undefined)
    return `a ${field} line has no "match", "frames" or "ignore"`;
  return undefined;
}

/** Checks `ignore`: valid pointers, on a client line matched as JSON. */
function ignoreFieldFault(line: MessageLine): string | undefined {
  if (line.ignore === undefined) return undefined;
  const how = line.match ?? 'exact';
  if (line.from !== 'c' || (how !== 'exact' && how !== 'json-subset'))
    return '"ignore" goes on client lines matched as JSON ("match" "exact" or "json-subset")';
  if (line.json === undefined) {
    try {
      JSON.parse(line.text ?? '');
    } catch {
      return '"ignore" needs the line\'s message as JSON: give "json", or "text" that parses as JSON';
    }
  }
  return ignoreFault(line.ignore);
}

/** Checks the body fields of a message line. */
function bodyFault(line: MessageLine): string | undefined {
  const bodies = BODIES.filter((key) => key in line);
  if (line.match === 'any') return bodies.length <= 1 ? undefined : 'a message has one of "text", "binary", "json"';
  if (bodies.length !== 1) return 'a message has exactly one of "text", "binary", "json", "ping", "pong"';
  if (line.ping !== undefined || line.pong !== undefined) return controlFault(line);
  if (line.text !== undefined && typeof line.text !== 'string') return '"text" must be a string';
  if (line.binary !== undefined && (typeof line.binary !== 'string' || !BASE64.test(line.binary)))
    return `"binary" must be base64 (A-Z, a-z, 0-9, + and /, = at the end), got ${JSON.stringify(line.binary)}`;
  if (line.match === 'regexp' && typeof line.text !== 'string') return '"match": "regexp" needs "text" (the pattern)';
  return framesFault(line) ?? ignoreFieldFault(line) ?? patternFault(line);
}

/** Checks the fields of a message line; returns what is wrong, or undefined. */
function messageFault(line: MessageLine): string | undefined {
  if (line.from !== 'c' && line.from !== 's') return `"from" must be "c" or "s", got ${JSON.stringify(line.from)}`;
  if (line.from === 'c' && line.wait !== undefined)
    return '"wait" goes on server, ending or pause lines: a client line waits for the client';
  if (line.t !== undefined && !(typeof line.t === 'number' && line.t >= 0 && Number.isFinite(line.t)))
    return `"t" must be a number of ms, 0 or more, got ${shown(line.t)}`;
  if (line.wait === undefined && line.t === undefined) return '"t" must be a number of ms, 0 or more (or give "wait")';
  if (line.match !== undefined && !LINE_MATCHES.includes(line.match))
    return `"match" must be one of ${LINE_MATCHES.join(', ')}, got ${JSON.stringify(line.match)}`;
  return bodyFault(line) ?? everyFault(line) ?? scriptFieldsFault(line);
}

/** Checks `every`: a number of ms, at least {@link MIN_EVERY_MS}, on a server line that sends a message. */
function everyFault(line: MessageLine): string | undefined {
  if (line.every === undefined) return undefined;
  if (line.from !== 's' || line.ping !== undefined || line.pong !== undefined)
    return '"every" goes on server lines that send a message ("text", "binary" or "json")';
  if (!(typeof line.every === 'number' && Number.isFinite(line.every) && line.every >= MIN_EVERY_MS))
    return `"every" must be a number of ms, at least ${MIN_EVERY_MS}, got ${shown(line.every)}`;
  return undefined;
}

/** Checks an ending line. */
function endFault(line: EndLine): string | undefined {
  if (line.by !== 'c' && line.by !== 's') return `"by" must be "c" or "s"`;
  if (line.by === 'c' && line.wait !== undefined) return '"wait" goes on an ending by the server ("by": "s")';
  if (line.t !== undefined && !(typeof line.t === 'number' && line.t >= 0 && Number.isFinite(line.t)))
    return `"t" must be a number of ms, 0 or more, got ${shown(line.t)}`;
  if (line.wait === undefined && line.t === undefined) return '"t" must be a number of ms, 0 or more (or give "wait")';
  return closeFault(line) ?? scriptFieldsFault(line);
}

/** Checks a close line's code (one a server may send, RFC 6455 §7.4) and reason (at most 123 bytes of UTF-8). */
function closeFault(line: EndLine): string | undefined {
  if (line.event !== 'close') return undefined;
  if (line.code !== undefined && !(Number.isInteger(line.code) && isSendableCode(line.code)))
    return `"code" must be a close code a server may send (1000-1003, 1007-1014, 3000-4999; 1005 for none), got ${JSON.stringify(line.code)}`;
  if (line.reason !== undefined && typeof line.reason !== 'string') return '"reason" must be a string';
  if (line.reason !== undefined && Buffer.byteLength(line.reason) > CLOSE_REASON_MAX_BYTES)
    return `"reason" must be at most ${CLOSE_REASON_MAX_BYTES} bytes of UTF-8, got ${Buffer.byteLength(line.reason)}`;
  return undefined;
}

/** Checks a rule line. */
function ruleFault(line: { c: unknown; rule: unknown }): string | undefined {
  if (line.c !== '*' && !(Number.isInteger(line.c) && (line.c as number) >= 1))
    return '"c" of a rule line must be a connection number or "*" (every connection)';
  try {
    scriptRuleOf(line.rule);
  } catch (error) {
    return `"rule": ${(error as Error).message}`;
  }
  return undefined;
}

/** The fields each kind of line may have, as a table: any other is refused (a misspelt one would be ignored). */
const LINE_FIELDS = {
  'a message line': [
    'c',
    'from',
    't',
    'text',
    'binary',
    'json',
    'ping',
    'pong',
    'frames',
    'match',
    'ignore',
    'wait',
    'set',
    'every',
  ],
  'an ending line': ['c', 'event', 'by', 't', 'code', 'reason', 'wait', 'set'],
  'a rule line': ['c', 'rule'],
} as const;

/** Names a field `line` (of the kind) may not have, with the closest valid one and the list of them. */
function unknownFieldFault(line: object, kind: keyof typeof LINE_FIELDS): string | undefined {
  const fields: readonly string[] = LINE_FIELDS[kind];
  const unknown = Object.keys(line).find((key) => !fields.includes(key));
  if (unknown === undefined) return undefined;
  const near = closestName(unknown, fields);
  const hint = near === undefined ? '' : ` (did you mean "${near}"?)`;
  return `unknown field ${JSON.stringify(unknown)}${hint}; ${kind} has: ${fields.join(', ')}`;
}

/** Checks one line after the header; returns what is wrong, or undefined. */
export function lineFault(line: TranscriptLine): string | undefined {
  if ('rule' in line) return unknownFieldFault(line, 'a rule line') ?? ruleFault(line);
  if (!Number.isInteger(line.c) || (line.c as number) < 1)
    return '"c" (the connection number) must be a whole number, 1 or more';
  if ('from' in line) return unknownFieldFault(line, 'a message line') ?? messageFault(line);
  if (!('event' in line)) {
    const extra = Object.keys(line).find((key) => !['c', 'wait', 'set'].includes(key));
    if (extra !== undefined || (line.wait === undefined && line.set === undefined))
      return `a line needs "event" or "from" (or is a pause: "wait" and/or "set" only), got ${JSON.stringify(extra ?? 'c alone')}`;
    return scriptFieldsFault(line);
  }
  if (line.event === 'open') return typeof line.path === 'string' ? undefined : 'an open line needs "path"';
  if (line.event !== 'close' && line.event !== 'drop' && line.event !== 'reset')
    return `"event" must be open, close, drop or reset, or the line a message with "from"`;
  return unknownFieldFault(line, 'an ending line') ?? endFault(line);
}
