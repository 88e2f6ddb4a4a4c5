// The --header lines: checked once at start, then added to every answer (101, plain HTTP, refusals).
import type { ServerResponse } from 'node:http';
import { isFieldValue, isToken, quoted } from './http-syntax';

/** Headers to add, in order, as [name, value] pairs; a name may repeat (Set-Cookie). */
export type ExtraHeaders = ReadonlyArray<readonly [string, string]>;

/**
 * Headers the server writes itself to frame an answer or complete a handshake: one from the
 * user would break the answer, so they are refused at start.
 */
const SERVER_OWNED = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'sec-websocket-version',
  'sec-websocket-key',
]);

/**
 * The most the extra headers may take together, each counted as its `Name: value` line with its CRLF. Node's HTTP
 * clients (ws among them) refuse an answer whose head passes 16 KiB, and the 101 carries the server's own lines too
 * (the accept key, a subprotocol, the deflate answer): more than this would break every such client's handshake.
 */
export const EXTRA_HEADERS_MAX_BYTES = 8 * 1024;

/** Throws unless `headers` fit in {@link EXTRA_HEADERS_MAX_BYTES}. */
function checkHeadersSize(headers: ExtraHeaders): void {
  const bytes = headers.reduce((sum, [name, value]) => sum + Buffer.byteLength(`${name}: ${value}\r\n`), 0);
  if (bytes <= EXTRA_HEADERS_MAX_BYTES) return;
  throw new Error(
    `the extra headers come to ${bytes} bytes; together they may take at most ${EXTRA_HEADERS_MAX_BYTES} (8 KiB), as ` +
      "Node's HTTP clients, ws among them, refuse an answer whose head passes 16 KiB",
  );
}

/** Checks one header; throws an Error naming the bad name or value. */
export function checkHeader(name: string, value: string): readonly [string, string] {
  if (!isToken(name)) {
    throw new Error(
      `header name ${quoted(name)} is not valid: use letters, digits and !#$%&'*+-.^_\`|~ (no spaces or colons)`,
    );
  }
  if (SERVER_OWNED.has(name.toLowerCase())) {
    throw new Error(
      `header ${name} is written by the server itself and cannot be set (--protocol and --deflate negotiate the Sec-WebSocket ones)`,
    );
  }
  const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, ''); // optional whitespace only (RFC 9110 §5.5), never a CR or LF
  if (!isFieldValue(trimmed)) {
    throw new Error(
      `the value of header ${name} (${quoted(value)}) has a control character (CR, LF, NUL, ...); header values cannot`,
    );
  }
  return [name, trimmed];
}

/** Parses one `--header 'Name: value'` line; throws an Error naming the line when it is not valid. */
export function parseHeaderLine(line: string): readonly [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new Error(`${quoted(line)} is not a header: write it as 'Name: value'`);
  return checkHeader(line.slice(0, colon), line.slice(colon + 1));
}

/**
 * Checks the `headers` API option ({ name: value or [values] }) and flattens it in order; the `--header` lines come
 * here too, so their size is checked together ({@link EXTRA_HEADERS_MAX_BYTES}).
 */
export function checkHeaderRecord(record: Readonly<Record<string, string | readonly string[]>>): ExtraHeaders {
  const headers = Object.entries(record).flatMap(([name, values]) => {
    const list: unknown[] = typeof values === 'string' ? [values] : Array.isArray(values) ? values : [values];
    if (!list.every((value): value is string => typeof value === 'string')) {
      throw new Error(`the value of header ${name} must be a string or an array of strings`);
    }
    return list.map((value) => checkHeader(name, value));
  });
  checkHeadersSize(headers);
  return headers;
}

/** The headers as `Name: value` lines (no line ends), for a raw answer; names in `skip` (lower case) are left out. */
export function headerLines(headers: ExtraHeaders, skip: ReadonlySet<string> = new Set()): string[] {
  return headers.filter(([name]) => !skip.has(name.toLowerCase())).map(([name, value]) => `${name}: ${value}`);
}

/**
 * Sets the headers on a plain HTTP answer before it is written; the answer's own headers of
 * the same name (Content-Type, Allow) replace them when it calls `writeHead`.
 */
export function setExtraHeaders(res: ServerResponse, headers: ExtraHeaders): void {
  if (headers.length === 0) return;
  const byName = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of headers) {
    const entry = byName.get(name.toLowerCase());
    if (entry) entry.values.push(value);
    else byName.set(name.toLowerCase(), { name, values: [value] });
  }
  for (const { name, values } of byName.values()) res.setHeader(name, values.length === 1 ? values[0] : values);
}
