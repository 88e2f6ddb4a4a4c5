// The reason a client reads in the close frame when ws fails its connection for a protocol error.
import type WebSocket from 'ws';
import { messageLengthSoFar, readingCloseFrame, receiverOf, type WsReceiver } from '../internals/ws-receiver';

/** The limits a client can run into while sending, for the close reason. */
export interface ReceiveLimits {
  maxPayload: number;
  maxFragments: number;
}

/** ws starts every frame error with this; the reason has no room for it. */
const WS_PREFIX = /^Invalid WebSocket frame: /;

/**
 * The 1009 reason. `size` is what ws counted on the wire; when it is within the limit the message was compressed and
 * passed the limit while inflating (ws stops inflating there, so the inflated size is known only to be over it): the
 * reason says so, and gives the compressed size beside it.
 */
function tooBig(size: number | undefined, limit: number): string {
  if (size === undefined) return `message too big: over the limit of ${limit} bytes`;
  if (size > limit) return `message too big: ${size} bytes, limit ${limit}`;
  return `message too big: over ${limit} bytes inflated (${size} compressed), limit ${limit}`;
}

/** The reason for ws's error `code`, or undefined to use ws's own message. */
function reasonFor(
  code: string | undefined,
  message: string,
  receiver: WsReceiver,
  limits: ReceiveLimits,
): string | undefined {
  switch (code) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
      return tooBig(messageLengthSoFar(receiver), limits.maxPayload);
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return `message too big: frame length over 2^53 - 1, limit ${limits.maxPayload}`;
    case 'WS_ERR_INVALID_UTF8':
      return readingCloseFrame(receiver) ? 'invalid UTF-8 in the close reason' : 'invalid UTF-8 in a text message';
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      // ws uses this code for two limits; its message says which.
      if (/fragments/i.test(message)) return `too many fragments: more than ${limits.maxFragments} in one message`;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Why `ws` is failing the connection, in words for the close frame (at most 123 bytes, as
 * RFC 6455 §5.5 allows): `message too big: 1048577 bytes, limit 1048576`, `invalid UTF-8 in a
 * text message`, or ws's own description of a protocol error (`MASK must be set`).
 */
export function protocolErrorReason(ws: WebSocket, limits: ReceiveLimits): string {
  const receiver = receiverOf(ws);
  const error = receiver?.errored;
  if (!receiver || !error) return '';
  const reason =
    reasonFor(error.code, error.message, receiver, limits) ?? `protocol error: ${error.message.replace(WS_PREFIX, '')}`;
  return Buffer.byteLength(reason) <= 123 ? reason : reason.slice(0, 120) + '...';
}
