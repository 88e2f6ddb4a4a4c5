// A HAR file (Chrome DevTools' or Playwright's recordHar) read as a transcript: each WebSocket entry a connection.
import { EchoServerError } from '../core/errors';
import type { MessageLine, OpenLine, RecordedConnection, Transcript } from './transcript';

/** One frame of a HAR entry's `_webSocketMessages` (DevTools: `time` in seconds since the epoch; Playwright: ms). */
interface HarFrame {
  /** `send` (the page sent it) or `receive`. */
  type: string;
  time: number;
  opcode: number;
  data: string;
}

/** A header as HAR lists it. */
interface HarHeader {
  name: string;
  value: string;
}

/** The part of a HAR entry a transcript reads. */
interface HarEntry {
  _resourceType?: string;
  startedDateTime?: string;
  request?: { url?: string; headers?: HarHeader[] };
  response?: { status?: number; headers?: HarHeader[] };
  _webSocketMessages?: HarFrame[];
}

/** Request headers a transcript never shows (as `ws-echo record` writes them). */
const REDACTED = new Set(['authorization', 'cookie', 'sec-websocket-key']);

/** A `time` above this is milliseconds (Playwright), below it seconds (DevTools): 1e11 s is the year 5138. */
const MS_TIMES_FROM = 1e11;

/** What each frame type becomes: who sent it. */
const FROM: Partial<Record<string, MessageLine['from']>> = { send: 'c', receive: 's' };

/** Whether parsed JSON is a HAR: an object with `log.entries` an array. */
export function isHar(value: unknown): value is { log: { entries: HarEntry[] } } {
  const log = (value as { log?: { entries?: unknown } } | null)?.log;
  return typeof value === 'object' && value !== null && Array.isArray(log?.entries);
}

/** What is wrong with a HAR header list (`request.headers`, `response.headers`), or undefined. */
function headersFault(headers: unknown, field: string): string | undefined {
  if (headers === undefined) return undefined;
  if (!Array.isArray(headers)) return `${field} must be an array of {"name", "value"}`;
  const index = headers.findIndex(
    (header: { name?: unknown; value?: unknown } | null) =>
      typeof header?.name !== 'string' || !['string', 'undefined'].includes(typeof header.value),
  );
  return index < 0 ? undefined : `${field}[${index}] must be {"name": string, "value": string}`;
}

/** What is wrong with a WebSocket entry's `_webSocketMessages`, or undefined. */
function framesFault(frames: unknown): string | undefined {
  if (frames === undefined) return undefined;
  if (!Array.isArray(frames)) return '_webSocketMessages must be an array of frames';
  for (const [index, frame] of (frames as (Partial<HarFrame> | null)[]).entries()) {
    const at = `_webSocketMessages[${index}]`;
    if (typeof frame !== 'object' || frame === null) return `${at} must be an object`;
    if (typeof frame.type !== 'string' || typeof frame.opcode !== 'number') return `${at} needs "type" and "opcode"`;
    if (!isMessage(frame as HarFrame)) continue;
    if (typeof frame.time !== 'number' || !Number.isFinite(frame.time)) return `${at}.time must be a number`;
    if (typeof frame.data !== 'string') return `${at}.data must be a string (base64 for opcode 2)`;
  }
  return undefined;
}

/** What is wrong with entry `entry` (read as a WebSocket or not), or undefined. */
function entryFault(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'must be an object';
  const { request, response, _webSocketMessages: frames } = entry as Record<string, unknown>;
  for (const [name, part] of [
    ['request', request],
    ['response', response],
  ] as const)
    if (part !== undefined && (typeof part !== 'object' || part === null)) return `${name} must be an object`;
  if (!isWebSocket(entry as HarEntry)) return undefined;
  return (
    headersFault((request as HarEntry['request'])?.headers, 'request.headers') ??
    headersFault((response as HarEntry['response'])?.headers, 'response.headers') ??
    framesFault(frames)
  );
}

/** Whether an entry is a WebSocket: DevTools' and Playwright's `_resourceType`, or a 101 answer. */
const isWebSocket = (entry: HarEntry): boolean => entry._resourceType === 'websocket' || entry.response?.status === 101;

/** A header's value by name, any case, or `''`. */
const headerOf = (headers: HarHeader[] = [], name: string): string =>
  headers.find((header) => header.name.toLowerCase() === name)?.value ?? '';

/** The request headers as an open line keeps them: lower-case names, credentials redacted. */
function requestHeaders(headers: HarHeader[] = []): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const { name, value } of headers)
    kept[name.toLowerCase()] = REDACTED.has(name.toLowerCase()) ? '[redacted]' : value;
  return kept;
}

/** Whether a frame is a message: text (opcode 1) or binary (2), sent or received. */
const isMessage = (frame: HarFrame): boolean =>
  (frame.opcode === 1 || frame.opcode === 2) && FROM[frame.type] !== undefined;

/** A frame's time in ms since the epoch. */
const frameMs = (frame: HarFrame): number => (frame.time > MS_TIMES_FROM ? frame.time : frame.time * 1000);

/** The open line of entry number `c`; throws naming the entry when its URL is missing or bad. */
function openOf(entry: HarEntry, c: number, file: string): OpenLine {
  let url: URL;
  try {
    url = new URL(entry.request?.url ?? '');
  } catch {
    throw new EchoServerError(
      `${file}: WebSocket entry ${c} has no valid request.url (the format: docs/transcripts.md)`,
      2,
    );
  }
  const [protocol, extensions] = ['sec-websocket-protocol', 'sec-websocket-extensions'].map((name) =>
    headerOf(entry.response?.headers, name),
  );
  const at = entry.startedDateTime ?? '';
  const headers = requestHeaders(entry.request?.headers);
  return { c, event: 'open', path: url.pathname + url.search, protocol, extensions, headers, at };
}

/** One entry as a connection: text (opcode 1) and binary (opcode 2, base64) frames in order; others skipped. */
function connectionOf(entry: HarEntry, c: number, file: string, entryNumber: number): RecordedConnection {
  const open = openOf(entry, c, file);
  const all = entry._webSocketMessages ?? [];
  const frames = all.filter(isMessage);
  const places = frames.map((frame) => `${file}: entry ${entryNumber}, message ${all.indexOf(frame) + 1}`);
  const started = Date.parse(open.at);
  const zero = Number.isNaN(started) ? (frames.length > 0 ? frameMs(frames[0]) : 0) : started;
  const steps = frames.map((frame): MessageLine => {
    const t = Math.max(0, Math.round(frameMs(frame) - zero));
    const body = frame.opcode === 2 ? { binary: frame.data } : { text: frame.data };
    return { c, from: FROM[frame.type]!, t, ...body };
  });
  return { open, steps, places };
}

/**
 * The transcript of a HAR: each WebSocket entry a connection in file order, with no ending line (a HAR has no close
 * frames: the replayed connection stays open after its last message until the client closes). Throws
 * {@link EchoServerError} (exit code 2) when the HAR has no WebSocket entry.
 */
export function transcriptOfHar(har: { log: { entries: HarEntry[] } }, file = 'har'): Transcript {
  har.log.entries.forEach((entry, index) => {
    const fault = entryFault(entry);
    if (fault !== undefined)
      throw new EchoServerError(`${file}: entry ${index + 1}: ${fault} (the format: docs/transcripts.md)`, 2);
  });
  const entries = har.log.entries.filter(isWebSocket);
  if (entries.length === 0)
    throw new EchoServerError(`${file}: a HAR with no WebSocket entry (_resourceType "websocket" or status 101)`, 2);
  const connections = entries.map((entry, index) =>
    connectionOf(entry, index + 1, file, har.log.entries.indexOf(entry) + 1),
  );
  const target = entries[0].request?.url ?? '';
  const header = { 'ws-echo': 'transcript', version: 1, recorded: connections[0].open.at, target } as const;
  return { header, connections };
}
