// A client's message against a transcript's client line: exact, JSON subset, RegExp or any; and the diff when not.
import { isDeepStrictEqual } from 'node:util';
import { escapeClientText } from '../core/escape';
import type { JsonPattern, RuleCaptures } from '../core/rule-types';
import type { ReceivedMessage } from '../core/client-types';
import { keepCapture, matchJson } from '../rules/json-pattern';
import { CaptureTexts, fillJson } from '../rules/templates';
import { withoutPointers } from './json-pointers';
import type { MessageLine } from './transcript';

/** How much of a message a diff shows, in characters. */
const SHOWN = 200;

/**
 * Longest text a `"match": "regexp"` line is tried on; a longer message does not match. A RegExp runs whole and
 * synchronously, holding up every other connection of the process.
 */
export const MAX_REGEXP_INPUT_BYTES = 64 * 1024;

/** A message as a diff shows it: text quoted, binary as base64, cut at {@link SHOWN} characters. */
export function showMessage(data: string | Buffer, isBinary: boolean): string {
  const text = isBinary ? `binary ${(data as Buffer).toString('base64')}` : `text ${JSON.stringify(data)}`;
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}… (${text.length} characters)` : text;
}

/** What a client line expects, as a diff shows it. */
export function showExpected(line: MessageLine): string {
  const how = line.match ?? 'exact';
  if (how === 'any') return 'any message (match: any)';
  // a line's own text escaped as a client's is: its controls cannot act on the terminal or split the log
  const ignoring = line.ignore === undefined ? '' : `, ignoring ${escapeClientText(line.ignore.join(', '))}`;
  if (line.json !== undefined) return `JSON ${escapeClientText(JSON.stringify(line.json))} (match: ${how}${ignoring})`;
  if (line.ignore !== undefined) return `JSON ${escapeClientText(line.text!)} (match: ${how}${ignoring})`;
  return `${showMessage(line.binary !== undefined ? Buffer.from(line.binary, 'base64') : line.text!, line.binary !== undefined)} (match: ${how})`;
}

/** The text of a message parsed as JSON, or undefined. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether `message` matches `line`; what a JSON subset or RegExp captures goes into `captures`. */
export function matches(line: MessageLine, message: ReceivedMessage, captures: RuleCaptures): boolean {
  const how = line.match ?? 'exact';
  if (how === 'any') return true;
  if (line.binary !== undefined)
    return message.isBinary && Buffer.from(line.binary, 'base64').equals(message.data as Buffer);
  if (message.isBinary) return false;
  const text = message.data as string;
  if (how === 'regexp') {
    if (text.length > MAX_REGEXP_INPUT_BYTES || Buffer.byteLength(text) > MAX_REGEXP_INPUT_BYTES) return false;
    const found = new RegExp(line.text!).exec(text);
    for (const [name, value] of Object.entries(found?.groups ?? {})) keepCapture(captures, name, value);
    return found !== null;
  }
  if (line.ignore !== undefined) return matchesIgnoring(line, line.ignore, text, captures);
  if (how === 'json-subset') return matchJson((line.json ?? parsed(line.text!)) as JsonPattern, parsed(text), captures);
  if (line.json !== undefined) return isDeepStrictEqual(parsed(text), line.json);
  return text === line.text;
}

/** A JSON match (exact or subset) with the line's ignored pointers left out of both sides. */
function matchesIgnoring(line: MessageLine, ignore: readonly string[], text: string, captures: RuleCaptures): boolean {
  const came = parsed(text);
  if (came === undefined) return false;
  const expected = withoutPointers(line.json ?? parsed(line.text!), ignore);
  const value = withoutPointers(came, ignore);
  if (line.match === 'json-subset') return matchJson(expected as JsonPattern, value, captures);
  return isDeepStrictEqual(value, expected);
}

/** What a server line sends: its text, its bytes, or its JSON with the captures so far filled in. */
export function outgoingOf(line: MessageLine, captures: RuleCaptures): string | Buffer {
  if (line.binary !== undefined) return Buffer.from(line.binary, 'base64');
  if (line.json !== undefined) return JSON.stringify(fillJson(line.json, new CaptureTexts(captures)));
  return line.text ?? '';
}
