// ws's WebSocket beyond its API: its close() replaced on each connection, and the one property of ours it carries.
import WebSocket from 'ws';
import { CHECKED_ON, type Shape } from './shape-check';

const FILE = 'src/internals/ws-websocket.ts';

/** ws answers a peer's close frame by calling `close()` on the WebSocket instance (receiverOnConclude). */
export const CLOSE_ON_PEER_CLOSE = "a peer's close frame makes ws call close(code, reason) on the instance";
/** ws fails a connection for a protocol error by calling `close(code)` on the instance (receiverOnError). */
export const CLOSE_ON_PROTOCOL_ERROR = 'a protocol error makes ws call close(code) on the instance';

/**
 * What the guard test holds this file to. ws answers a peer's close frame itself, before any event we could listen
 * to: the only way for a `drop` mode not to answer it, and for `graceful` to answer a bare one with 1000, is to be
 * the `close()` ws calls. And the close a protocol error sends gets a reason only that way.
 */
export const WEBSOCKET_SHAPES: readonly Shape[] = [
  { file: FILE, object: 'WebSocket', member: 'close', kind: 'function', checkedOn: CHECKED_ON.ws },
  {
    file: FILE,
    object: 'WebSocket',
    member: '(what answers its events)',
    kind: 'extensible',
    checkedOn: CHECKED_ON.ws,
  },
  { file: FILE, object: 'WebSocket', member: CLOSE_ON_PEER_CLOSE, kind: 'behaviour', checkedOn: CHECKED_ON.ws },
  { file: FILE, object: 'WebSocket', member: CLOSE_ON_PROTOCOL_ERROR, kind: 'behaviour', checkedOn: CHECKED_ON.ws },
];

/** ws's `close()`, as every WebSocket has it before {@link replaceClose}. */
export type WebSocketClose = (this: WebSocket, code?: number, reason?: string | Buffer) => void;

/**
 * Makes `close` the `close()` of this one WebSocket: ws calls it on the instance to answer a peer's close frame and
 * to fail the connection for a protocol error, so every close ws would send goes through it.
 */
export function replaceClose(ws: WebSocket, close: WebSocketClose): void {
  ws.close = close;
}

/** Sends a close frame with ws's own `close()`, whatever {@link replaceClose} put on `ws`. */
export function closeAsWsWould(ws: WebSocket, code?: number, reason?: string | Buffer): void {
  WebSocket.prototype.close.call(ws, code, reason);
}

/**
 * The key under which a WebSocket carries what answers its events: one set of listener functions serves every
 * connection (ws calls them with `this` set to the WebSocket), where closures bound per connection would cost about
 * 1 KB for each idle one. A symbol: no ws field can clash with it.
 */
export const EVENTS_KEY: unique symbol = Symbol('webSocketEvents');
