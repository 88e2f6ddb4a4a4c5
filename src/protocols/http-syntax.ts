// HTTP syntax checks shared by the subprotocol and header options (RFC 9110 §5.6.2 tokens, §5.5 field values).

/** RFC 9110 token: one or more of `!#$%&'*+-.^_|~`, digits and letters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 9110 field value: visible ASCII, obs-text, spaces and tabs; no CR, LF or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Whether `text` is an HTTP token (a header name, a subprotocol name). */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** Whether `text` may be an HTTP header's value as it is (after trimming). */
export function isFieldValue(text: string): boolean {
  return FIELD_VALUE.test(text);
}

/** `text` quoted for a message, control characters escaped (so a CR or LF shows as \r, \n). */
export function quoted(text: string): string {
  return JSON.stringify(text);
}

/**
 * An origin in the form browsers send (RFC 6454): `scheme://host[:port]`, lower case, no
 * default port. Returns undefined for what is not an origin (a path, a bare word). `null`,
 * which browsers send from sandboxed pages and files, stays `null`.
 */
export function normalizeOrigin(text: string): string | undefined {
  if (text === 'null') return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '';
  return url.origin !== 'null' && bare ? url.origin : undefined;
}
