// RFC 6901 JSON pointers a client line ignores: checked when the file is read, left out of both sides of a comparison.

/** Most pointers one line may ignore: a script's line, not a data set. */
export const MAX_IGNORED_POINTERS = 100;

/** The reference tokens of a pointer (`/a~1b/0` → `['a/b', '0']`), or undefined when it is not a valid pointer. */
export function pointerTokens(pointer: unknown): string[] | undefined {
  if (typeof pointer !== 'string' || !pointer.startsWith('/') || /~[^01]|~$/.test(pointer)) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** What is wrong with an `ignore` list, or undefined. */
export function ignoreFault(ignore: unknown): string | undefined {
  if (!Array.isArray(ignore) || ignore.length === 0 || ignore.length > MAX_IGNORED_POINTERS)
    return `"ignore" must be an array of 1 to ${MAX_IGNORED_POINTERS} JSON pointers such as ["/ts", "/meta/nonce"]`;
  const bad = ignore.find((pointer) => pointerTokens(pointer) === undefined);
  if (bad === undefined) return undefined;
  return `"ignore" holds ${JSON.stringify(bad)}, not a JSON pointer (RFC 6901: "/" then keys separated by "/", ~0 for ~ and ~1 for /)`;
}

/**
 * Leaves the location out of `value`: an object's key is deleted, an array's element becomes null (lengths stay).
 * Only own properties are followed: `/__proto__/x` names a key `__proto__` the message itself has (JSON.parse makes
 * it an own key), never Object.prototype.
 */
function leaveOut(value: unknown, tokens: string[]): void {
  let parent = value;
  for (const token of tokens.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, token)) return;
    parent = (parent as Record<string, unknown>)[token];
  }
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    if (/^(0|[1-9]\d*)$/.test(last) && Number(last) < parent.length) parent[Number(last)] = null;
  } else if (typeof parent === 'object' && parent !== null && Object.hasOwn(parent, last)) {
    delete (parent as Record<string, unknown>)[last];
  }
}

/** A copy of a JSON value with every pointer of `ignore` left out (the value itself is not changed). */
export function withoutPointers(value: unknown, ignore: readonly string[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const copy: unknown = JSON.parse(JSON.stringify(value)); // JSON already; a copy of this realm's plain objects
  for (const pointer of ignore) leaveOut(copy, pointerTokens(pointer)!);
  return copy;
}
