// Decides whether an upgrade request may become a WebSocket, and refuses it cleanly if not.
import { clearTimeout, setTimeout } from 'node:timers';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { escapeClientText } from '../core/escape';
import { headerLines, type ExtraHeaders } from '../protocols/extra-headers';
import { normalizeOrigin } from '../protocols/http-syntax';

/** Why an upgrade is refused: the HTTP status, a short reason, and extra headers. */
export interface UpgradeRefusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
  /** The client asked for it (`reject=`, `h2-refuse=`, `h2-reset`): counted apart from real refusals. */
  asked?: true;
  /**
   * Not answered at all: the HTTP/2 stream is reset with this RST_STREAM error (`h2-reset`), and `status` is 0 (no
   * HTTP status was sent).
   */
  reset?: 'CANCEL';
}

/** What the server checks before handing an upgrade to `ws`. */
export interface UpgradePolicy {
  /** Only this path is served; undefined serves any. */
  path?: string;
  /** Only these `Origin` values are accepted; undefined accepts any. */
  origins?: ReadonlySet<string>;
  /** Whether the connection limit is reached. */
  atCapacity: boolean;
}

/** The answer past the connection limit (shared with the cross-process limit of `--workers`). */
export const CONNECTION_LIMIT_REFUSAL: UpgradeRefusal = {
  status: 503,
  reason: 'connection limit reached',
  headers: { 'Retry-After': '1' },
};

/** The only protocol version RFC 6455 defines. */
const SUPPORTED_VERSION = '13';

/** `http://host` or `ws://host:port` and so on at the start of an absolute-form target. */
const SCHEME_AND_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The path of a request target, without its query string. An absolute-form target
 * (`GET http://host/chat`), which RFC 9112 §3.2.2 says a server must accept, gives its path.
 */
export function pathOf(url: string | undefined): string {
  let target = url ?? '/';
  const authority = SCHEME_AND_AUTHORITY.exec(target);
  if (authority) target = target.slice(authority[0].length) || '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** RFC 6455 §4.1: the key is 16 random bytes in base64. */
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

/**
 * Checks an upgrade request before `ws` sees it, so every refusal is answered, logged and
 * counted the same way: method, HTTP/1.1, `Host`, `Upgrade`, key, version (RFC 6455 §4.2.1), then
 * path, origin and capacity.
 */
export function checkUpgrade(req: IncomingMessage, policy: UpgradePolicy): UpgradeRefusal | undefined {
  const versionHeader = { 'Sec-WebSocket-Version': SUPPORTED_VERSION };
  if (req.method !== 'GET')
    return { status: 405, reason: 'a WebSocket upgrade must be a GET', headers: { Allow: 'GET' } };
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1)
    return { status: 400, reason: 'a WebSocket upgrade needs HTTP/1.1' };
  if (!req.headers.host) return { status: 400, reason: 'missing Host header' };
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
    return {
      status: 400,
      reason: `unsupported Upgrade ${JSON.stringify(req.headers.upgrade)}; only websocket is served`,
    };
  }
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY_PATTERN.test(key))
    return { status: 400, reason: 'missing or invalid Sec-WebSocket-Key' };
  const version = req.headers['sec-websocket-version'];
  if (version === undefined) return { status: 400, reason: 'missing Sec-WebSocket-Version', headers: versionHeader };
  if (version !== SUPPORTED_VERSION) {
    // RFC 6455 §4.2.2: answer an unknown version with 426 and the versions we speak.
    return {
      status: 426,
      reason: `unsupported Sec-WebSocket-Version ${JSON.stringify(version)}; this server speaks ${SUPPORTED_VERSION}`,
      headers: versionHeader,
    };
  }
  if (policy.path !== undefined && pathOf(req.url) !== policy.path) {
    return { status: 404, reason: `no WebSocket endpoint here; connect to ${policy.path}` };
  }
  if (policy.origins !== undefined) {
    const origin = req.headers.origin;
    if (origin === undefined || !policy.origins.has(normalizeOrigin(origin) ?? origin)) {
      return {
        status: 403,
        reason: `origin ${origin === undefined ? '(none)' : JSON.stringify(origin)} is not allowed`,
      };
    }
  }
  if (policy.atCapacity) return CONNECTION_LIMIT_REFUSAL;
  return undefined;
}

/** The reason phrase of `status`: Node's, or its class's for a code Node does not name (`reject=499`). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** Milliseconds a refused socket may take to flush its answer before it is destroyed anyway. */
export const REFUSAL_FLUSH_MS = 2000;

/**
 * Answers an upgrade request with an HTTP error and closes the socket: once the answer is
 * written, or after {@link REFUSAL_FLUSH_MS} if a client that does not read keeps it from
 * flushing, so no refused socket holds a descriptor for long. `extra` headers (--header) are
 * added unless the refusal sets the same name.
 */
export function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal, extra: ExtraHeaders = []): void {
  // The reason may quote the client's own headers: no control or bidi character goes back.
  const body = escapeClientText(refusal.reason) + '\n';
  const headers = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...refusal.headers,
  };
  const ownNames = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  const lines = [
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ...headerLines(extra, ownNames),
  ];
  const head = lines.map((line) => `${line}\r\n`).join('');
  socket.on('error', () => undefined); // a client that already left must not crash us
  socket.end(`HTTP/1.1 ${refusal.status} ${reasonPhrase(refusal.status)}\r\n${head}\r\n${body}`);
  const bound = setTimeout(() => socket.destroy(), REFUSAL_FLUSH_MS).unref();
  socket.once('close', () => clearTimeout(bound));
  socket.once('finish', () => socket.destroy());
}
