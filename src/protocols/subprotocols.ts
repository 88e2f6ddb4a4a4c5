// Which subprotocol the server answers (RFC 6455 §4.2.2), from the --protocol list and the client's offer.
import { isToken, quoted } from './http-syntax';

/** The `--protocol` value that lists every protocol: answer the client's first offer. */
export const ANY_PROTOCOL = '*';

/**
 * The subprotocols the server speaks: undefined answers the client's first offer (the
 * default, as `ws` does), `['*']` the same explicitly, `[]` none ever, names the first
 * offered one that is listed.
 */
export type ProtocolList = readonly string[] | undefined;

/** The outcome for one handshake: the protocol answered (if any) and, when offers were declined, why. */
export interface ProtocolChoice {
  protocol: string | undefined;
  declined?: string;
}

/**
 * Checks one `--protocol` value; returns the names in it (a comma-separated value is split,
 * since a comma can never be part of a name). Throws an Error naming the bad value.
 */
export function parseProtocolNames(text: string): string[] {
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (name !== ANY_PROTOCOL && !isToken(name)) {
      throw new Error(
        `${quoted(name)} is not a subprotocol name: use letters, digits and !#$%&'*+-.^_\`|~ (no spaces, quotes, slashes or commas), or '*' for any`,
      );
    }
  }
  return names;
}

/** Checks a whole list (the `protocols` API option); throws an Error naming the first bad value. */
export function checkProtocolList(list: readonly string[]): string[] {
  if (!Array.isArray(list) || !list.every((name) => typeof name === 'string'))
    throw new Error('must be an array of names, such as ["mqtt"]');
  return list.flatMap(parseProtocolNames);
}

/**
 * RFC 6455 §4.2.2: the first protocol the client offered that the server lists, or none.
 * A client that offered only unlisted protocols still connects, with none, and `declined` says so.
 */
export function chooseProtocol(offered: ReadonlySet<string>, listed: ProtocolList): ProtocolChoice {
  const first = offered.values().next().value;
  if (listed === undefined || listed.includes(ANY_PROTOCOL)) return { protocol: first };
  for (const name of offered) if (listed.includes(name)) return { protocol: name };
  const offers = [...offered].join(', ');
  const reason =
    listed.length === 0
      ? 'this server answers none (--no-protocol)'
      : `none is listed (--protocol ${listed.join(' ')})`;
  return { protocol: undefined, declined: `subprotocols offered (${offers}) declined: ${reason}` };
}

/** A list element that is empty: at the start, between two commas, or at the end (optional whitespace allowed). */
const EMPTY_ELEMENT = /(?:^|,)[ \t]*(?:,|$)/;

/**
 * A client's `Sec-WebSocket-Protocol` with its empty list elements left out (`mqtt,` or `a,,b`): RFC 9110 §5.6.1 says
 * a recipient ignores them, where ws refuses the whole handshake with 400. Undefined when there is nothing to leave out
 * or nothing else is left (a header of commas only stays invalid).
 */
export function withoutEmptyOffers(header: string | undefined): string | undefined {
  if (header === undefined || !EMPTY_ELEMENT.test(header)) return undefined;
  const names = header
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length === 0 ? undefined : names.join(', ');
}
