// ws's permessage-deflate parts that its types leave out, and the request header ws negotiates extensions from.
import type { IncomingMessage } from 'node:http';
import WebSocket, { type PerMessageDeflateOptions } from 'ws';
import { CHECKED_ON, type Shape } from './shape-check';

const FILE = 'src/internals/ws-extensions.ts';

/** ws's handleUpgrade negotiates from `req.headers`, read when it is called: a rewritten offer is what counts. */
export const OFFERS_FROM_REQUEST_HEADERS =
  "handleUpgrade() negotiates extensions from req.headers['sec-websocket-extensions'] as it is when called";

/**
 * What the guard test holds this file to. ws answers HTTP 400 to a whole handshake for one invalid
 * permessage-deflate offer, where RFC 7692 §7 says to decline that offer: --deflate parses and tries each offer with
 * ws's own parser and extension (exported by ws/index.js, absent from its type declarations), then hands ws a header
 * holding only the offers it accepts.
 */
export const EXTENSION_SHAPES: readonly Shape[] = [
  { file: FILE, object: 'ws', member: 'extension.parse', kind: 'function', checkedOn: CHECKED_ON.ws },
  { file: FILE, object: 'ws', member: 'extension.format', kind: 'function', checkedOn: CHECKED_ON.ws },
  {
    file: FILE,
    object: 'ws',
    member: 'PerMessageDeflate.prototype.accept',
    kind: 'function',
    checkedOn: CHECKED_ON.ws,
  },
  { file: FILE, object: 'ws', member: OFFERS_FROM_REQUEST_HEADERS, kind: 'behaviour', checkedOn: CHECKED_ON.ws },
];

/** A parsed offer: each parameter's values, `true` for a parameter without a value. */
export type OfferParams = Record<string, Array<string | true>>;

/** The parts of `ws` used here that its type declarations leave out (exported by ws/index.js). */
interface WsExtensionInternals {
  extension: {
    parse(header: string): Record<string, OfferParams[]>;
    format(extensions: Record<string, OfferParams[]>): string;
  };
  PerMessageDeflate: new (options: PerMessageDeflateOptions & { isServer: boolean }) => {
    accept(offers: OfferParams[]): unknown;
  };
}

/** ws's `Sec-WebSocket-Extensions` parser and formatter (lib/extension.js). */
export const extension: WsExtensionInternals['extension'] = (WebSocket as unknown as WsExtensionInternals).extension;

/** ws's permessage-deflate extension (lib/permessage-deflate.js): `accept()` throws for an offer ws refuses. */
export const PerMessageDeflate: WsExtensionInternals['PerMessageDeflate'] = (
  WebSocket as unknown as WsExtensionInternals
).PerMessageDeflate;

/** Replaces the extension offers ws will negotiate from for `req` (undefined: none); call before `handleUpgrade`. */
export function replaceExtensionOffers(req: IncomingMessage, header: string | undefined): void {
  if (header === undefined) delete req.headers['sec-websocket-extensions'];
  else req.headers['sec-websocket-extensions'] = header;
}

/**
 * Replaces the subprotocol offers ws will parse for `req` (the same reliance as {@link OFFERS_FROM_REQUEST_HEADERS}:
 * ws reads `req.headers` when `handleUpgrade` is called); call before `handleUpgrade`.
 */
export function replaceProtocolOffers(req: IncomingMessage, header: string): void {
  req.headers['sec-websocket-protocol'] = header;
}
