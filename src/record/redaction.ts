// What the recorder hides in its transcript and log: secret headers, and the target's userinfo and query values.

/** Headers written as `[redacted]` whatever the flags say. */
export const ALWAYS_REDACTED = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'sec-websocket-key',
  'x-api-key',
  'x-auth-token',
];

/** Words that make any header a secret when its name contains them (Sec-WebSocket-* headers excepted). */
const SECRET_WORDS = ['token', 'secret', 'key', 'password', 'auth', 'session'];

/** Headers the handshake needs that contain a secret word (`sec-websocket-key` stays redacted by name). */
const NEEDED = new Set(['sec-websocket-extensions', 'sec-websocket-protocol', 'sec-websocket-version']);

/** Whether a request header (lower-case `name`) is written as `[redacted]`; `extra`: the names flags added. */
export function isRedacted(name: string, extra: ReadonlySet<string>): boolean {
  if (extra.has(name) || ALWAYS_REDACTED.includes(name)) return true;
  return !NEEDED.has(name) && SECRET_WORDS.some((word) => name.includes(word));
}

/** The target as written to the transcript and the log: userinfo and every query value as `[redacted]`. */
export function shownTarget(target: URL): string {
  const userinfo = target.username !== '' || target.password !== '' ? '[redacted]@' : '';
  const pairs = [...target.searchParams.keys()].map((name) => `${encodeURIComponent(name)}=[redacted]`);
  const query = pairs.length > 0 ? `?${pairs.join('&')}` : '';
  return `${target.protocol}//${userinfo}${target.host}${target.pathname}${query}`;
}
