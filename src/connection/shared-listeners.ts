// ws's events for a connection, sent to it through one set of listener functions that every connection shares.
import type WebSocket from 'ws';
import { closeAsWsWould, EVENTS_KEY, replaceClose } from '../internals/ws-websocket';

/** What a connection answers: the events ws emits for its socket, and every close ws would send. */
export interface WebSocketEvents {
  onMessage(data: Buffer, isBinary: boolean): void;
  onError(error: Error): void;
  onClose(code: number, reason: Buffer): void;
  onPing(data: Buffer): void;
  /** A pong (only once {@link listenForPongs} was called: a test pinged). */
  onPong(data: Buffer): void;
  /** Every close ws would send: answering a peer's close, a protocol error, or ours. */
  onCloseRequested(code?: number, reason?: string | Buffer): void;
}

/** Where a WebSocket keeps what answers its events: ws-websocket.ts's key, held in this module as before. */
const EVENTS: typeof EVENTS_KEY = EVENTS_KEY;
type Answered = WebSocket & { [EVENTS]: WebSocketEvents };
const eventsOf = (ws: WebSocket): WebSocketEvents => (ws as Answered)[EVENTS];

function messageReceived(this: WebSocket, data: Buffer, isBinary: boolean): void {
  eventsOf(this).onMessage(data, isBinary);
}

function errorReceived(this: WebSocket, error: Error): void {
  eventsOf(this).onError(error);
}

function closed(this: WebSocket, code: number, reason: Buffer): void {
  eventsOf(this).onClose(code, reason);
}

function pingReceived(this: WebSocket, data: Buffer): void {
  eventsOf(this).onPing(data);
}

function pongReceived(this: WebSocket, data: Buffer): void {
  eventsOf(this).onPong(data);
}

function closeRequested(this: WebSocket, code?: number, reason?: string | Buffer): void {
  eventsOf(this).onCloseRequested(code, reason);
}

/**
 * Sends `ws`'s message, error, close and ping events to `events`, and replaces `ws.close` so
 * that every close ws sends goes to `events.onCloseRequested`. The listeners are the same
 * functions for every connection (ws calls them with `this` set to the WebSocket, which holds
 * `events`): closures bound per connection would cost about 1 KB for each idle one.
 */
export function answerEvents(ws: WebSocket, events: WebSocketEvents): void {
  (ws as Answered)[EVENTS] = events;
  replaceClose(ws, closeRequested);
  ws.on('message', messageReceived);
  ws.on('error', errorReceived);
  ws.on('close', closed); // ws emits 'close' once
  ws.on('ping', pingReceived);
}

/** Sends `ws`'s pongs to its events' `onPong` too, from now on (a test's first `ping()`); the same function for all. */
export function listenForPongs(ws: WebSocket): void {
  ws.on('pong', pongReceived);
}

/** Sends a close frame with ws's own `close()`, which {@link answerEvents} replaced on `ws`. */
export function sendCloseFrame(ws: WebSocket, code?: number, reason?: string | Buffer): void {
  closeAsWsWould(ws, code, reason);
}
