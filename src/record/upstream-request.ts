// What the recorder sends the target for a client's request (URL, headers, TLS), writes of it, and answers on failure.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { EchoServerError } from '../core/errors';
import { isRedacted } from './redaction';

/** TLS options for a `wss://` target: Node's `tls.connect` options of these names, PEM strings or Buffers. */
export interface TargetTlsOptions {
  /** Certificate authorities to trust instead of Node's default list (a private CA). */
  ca?: string | Buffer | (string | Buffer)[];
  /** A client certificate (chain) for a target that asks for one, with its `key`. */
  cert?: string | Buffer | (string | Buffer)[];
  key?: string | Buffer | (string | Buffer)[];
  /** The passphrase of an encrypted `key`. */
  passphrase?: string;
  /** The name sent in SNI and checked against the certificate (default: the target's host name). */
  servername?: string;
  /** `false` accepts any certificate (default true). */
  rejectUnauthorized?: boolean;
}

/** The fields of {@link TargetTlsOptions}, with what each must be. */
const TARGET_TLS_FIELDS: Record<keyof TargetTlsOptions, string> = {
  ca: 'PEM text or a Buffer (or an array of them)',
  cert: 'PEM text or a Buffer (or an array of them)',
  key: 'PEM text or a Buffer (or an array of them)',
  passphrase: 'a string',
  servername: 'a string',
  rejectUnauthorized: 'true or false',
};

const isPem = (value: unknown): boolean => typeof value === 'string' || Buffer.isBuffer(value);

/** Whether `value` is right for the field `name` of {@link TargetTlsOptions}. */
function fits(name: keyof TargetTlsOptions, value: unknown): boolean {
  if (name === 'rejectUnauthorized') return typeof value === 'boolean';
  if (name === 'passphrase' || name === 'servername') return typeof value === 'string';
  return isPem(value) || (Array.isArray(value) && value.every(isPem));
}

/** `targetTls` checked: an object of known fields of the right types; throws {@link EchoServerError} (exit code 2). */
export function checkTargetTls(tls: unknown): TargetTlsOptions {
  if (tls === undefined) return {};
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls))
    throw new EchoServerError('targetTls must be an object such as { ca: pem }', 2);
  for (const [name, value] of Object.entries(tls)) {
    if (!(name in TARGET_TLS_FIELDS))
      throw new EchoServerError(
        `unknown targetTls option ${name}; known: ${Object.keys(TARGET_TLS_FIELDS).join(', ')}`,
        2,
      );
    const field = name as keyof TargetTlsOptions;
    if (value !== undefined && !fits(field, value))
      throw new EchoServerError(`targetTls.${field} must be ${TARGET_TLS_FIELDS[field]}`, 2);
  }
  return tls as TargetTlsOptions;
}

/** Request headers ws sets itself on the upstream request, or that belong to one hop only. */
const NOT_PASSED_ON = new Set([
  'host',
  'connection',
  'upgrade',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'te',
  'trailer',
  'proxy-authorization',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** A request's headers as one string each (lower-case names), secret ones ({@link isRedacted}) hidden. */
export function headersOf(req: IncomingMessage, redacted: ReadonlySet<string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = isRedacted(name, redacted) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The headers sent on to the target: the client's, less those of one hop. */
export function passedOn(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined && !NOT_PASSED_ON.has(name)) headers[name] = value;
  return headers;
}

/** Answers a raw upgrade socket with a plain HTTP status and a one-line body, and ends it. */
export function refuse(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n`;
  socket.end(`${head}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** The target URL checked: ws:// or wss://, no fragment; throws an {@link EchoServerError} (exit code 2). */
export function checkTarget(target: unknown): URL {
  const url = typeof target === 'string' && URL.canParse(target) ? new URL(target) : undefined;
  if (url?.protocol !== 'ws:' && url?.protocol !== 'wss:')
    throw new EchoServerError(`target must be a ws:// or wss:// URL, got ${JSON.stringify(target)}`, 2);
  if (url.href.includes('#'))
    throw new EchoServerError('target must not have a #fragment (a WebSocket URL cannot carry one)', 2);
  return url;
}

/**
 * The upstream URL for a client's request: the target's path joined with the client's path, the target's query
 * first and the client's after it (`ws://h/base?token=abc` and `/x?y=1`: `ws://h/base/x?token=abc&y=1`); undefined
 * when they make no WebSocket URL (a `#` in the request).
 */
export function upstreamUrl(target: URL, requestUrl: string): string | undefined {
  if (requestUrl.includes('#')) return undefined;
  const query = requestUrl.indexOf('?');
  const path = query === -1 ? requestUrl : requestUrl.slice(0, query);
  const queries = [target.search.slice(1), query === -1 ? '' : requestUrl.slice(query + 1)].filter(Boolean);
  const { protocol, username, password, host, pathname } = target;
  const userinfo = username !== '' || password !== '' ? `${username}${password ? `:${password}` : ''}@` : '';
  const base = `${protocol}//${userinfo}${host}${pathname.replace(/\/$/, '')}`;
  const url = base + (path.startsWith('/') ? path : `/${path}`) + (queries.length > 0 ? `?${queries.join('&')}` : '');
  return URL.canParse(url) ? url : undefined;
}

/**
 * Why the target could not be reached, for the client's 502 and the log: a refused certificate, or a handshake the
 * target ended (an alert: it wanted a client certificate), says so, with Node's code (`SELF_SIGNED_CERT_IN_CHAIN`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`, ...).
 */
export function unreachableReason(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (/ALERT/.test(code)) return `the target ended the TLS handshake: ${error.message} (${code})`;
  const certificate = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/.test(code);
  if (certificate) return `the target's TLS certificate was refused: ${error.message} (${code})`;
  return `the target could not be reached: ${error.message}`;
}
