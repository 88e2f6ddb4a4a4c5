// permessage-deflate (RFC 7692) for --deflate: ws's settings, and each offer ws would refuse the whole handshake for
// declined alone.
import type { PerMessageDeflateOptions } from 'ws';
import { extension, PerMessageDeflate, type OfferParams } from '../internals/ws-extensions';

/** The extension's registered name. */
export const DEFLATE_NAME = 'permessage-deflate';

/**
 * ws's permessage-deflate settings. Window sizes and context takeover are left to the
 * client's offer (RFC 7692 §7.1): ws honours each parameter as offered. Memory: a
 * connection's zlib streams are made at its first message each way and kept while it is
 * open, about 260 KiB of server memory per connection with 15-bit windows (measured with
 * test/bench/deflate-memory.js; zlib's memLevel made no measurable difference, so ws's
 * default stays). ws runs at most `concurrencyLimit` zlib jobs at once for the whole
 * process: more concurrent jobs fragment memory (websockets/ws#1202, nodejs/node#8871).
 */
export const DEFLATE_OPTIONS: PerMessageDeflateOptions = {
  concurrencyLimit: 10,
  // Without context takeover, messages under 1 KiB are sent uncompressed (ws's default).
  threshold: 1024,
};

/**
 * What a declined offer puts in the log is bounded, whatever the header's size (a 16 KB header of bad offers made a
 * 65 KB log line): each offer and ws's reason are quoted up to this many characters, and at most
 * {@link DECLINED_LINES_MAX} offers are listed, then how many more were declined.
 */
export const DECLINED_QUOTE_MAX = 80;
/** See {@link DECLINED_QUOTE_MAX}. */
export const DECLINED_LINES_MAX = 4;

/** `text` cut to {@link DECLINED_QUOTE_MAX} characters, with `...` where it was cut. */
function cut(text: string): string {
  return text.length <= DECLINED_QUOTE_MAX ? text : `${text.slice(0, DECLINED_QUOTE_MAX)}...`;
}

/** The log line for the declined offer at `index` (0-based). */
function declinedLine(what: string, index: number, piece: string, reason: string): string {
  return `${what} offer ${index + 1} (${JSON.stringify(cut(piece))}) declined: ${cut(reason)}`;
}

/** At most {@link DECLINED_LINES_MAX} lines, the last saying how many more there were. */
function bounded(lines: string[]): string[] {
  if (lines.length <= DECLINED_LINES_MAX) return lines;
  const more = lines.length - (DECLINED_LINES_MAX - 1);
  return [...lines.slice(0, DECLINED_LINES_MAX - 1), `and ${more} more offers declined`];
}

/** The offers ws will see, and why the others were declined. */
export interface FilteredOffers {
  /** The `Sec-WebSocket-Extensions` value to hand to ws; undefined leaves the header out. */
  header: string | undefined;
  /** One line per declined permessage-deflate offer. */
  declined: string[];
}

/** Splits a header value at the commas between offers (not those inside quoted strings); drops empty elements. */
function splitOffers(header: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i < header.length; i++) {
    const char = header[i];
    if (inQuotes) {
      if (char === '\\') i++;
      else if (char === '"') inQuotes = false;
    } else if (char === '"') inQuotes = true;
    else if (char === ',') {
      pieces.push(header.slice(start, i));
      start = i + 1;
    }
  }
  pieces.push(header.slice(start));
  return pieces.map((piece) => piece.trim()).filter((piece) => piece !== '');
}

/** Why ws would refuse this one offer, or undefined if it accepts it. */
function refusalOf(params: OfferParams): string | undefined {
  const copy: OfferParams = Object.fromEntries(Object.entries(params).map(([name, values]) => [name, [...values]]));
  try {
    new PerMessageDeflate({ ...DEFLATE_OPTIONS, isServer: true }).accept([copy]);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * RFC 7692 §7: keeps the permessage-deflate offers of a `Sec-WebSocket-Extensions` value that
 * ws accepts, in the client's order, and declines the others one by one (ws would answer
 * HTTP 400 to the whole handshake for one bad offer). Other extensions are dropped, as ws
 * would ignore them. With no acceptable offer the connection opens without compression. What is declined is listed
 * within {@link DECLINED_QUOTE_MAX} and {@link DECLINED_LINES_MAX}.
 */
export function filterDeflateOffers(header: string): FilteredOffers {
  const kept: OfferParams[] = [];
  const declined: string[] = [];
  splitOffers(header).forEach((piece, index) => {
    let offers: Record<string, OfferParams[]>;
    try {
      offers = extension.parse(piece);
    } catch (error) {
      declined.push(declinedLine('extension', index, piece, (error as Error).message));
      return;
    }
    const params = offers[DEFLATE_NAME]?.[0];
    if (params === undefined) return;
    const refusal = refusalOf(params);
    if (refusal === undefined) kept.push(params);
    else declined.push(declinedLine(DEFLATE_NAME, index, piece, refusal));
  });
  return {
    header: kept.length > 0 ? extension.format({ [DEFLATE_NAME]: kept }) : undefined,
    declined: bounded(declined),
  };
}
