// The two private flags of a ws 8.23 WebSocket that say how far its close handshake has come.
import type WebSocket from 'ws';
import { CHECKED_ON, type Shape } from './shape-check';

const FILE = 'src/internals/ws-close-flags.ts';

/** The behaviour the flags are read for, as the guard test observes it. */
export const CLOSE_FLAGS_BEHAVIOUR =
  '_closeFrameReceived is true when close() answers a peer close, _closeFrameSent once our close frame is out';

/**
 * What the guard test holds this file to. ws keeps no public flag for "the peer's close frame has arrived" (its
 * `readyState` is CLOSING both when we sent ours first and when the peer did): without `_closeFrameReceived` a `drop`
 * mode could not tell a peer's close from ours, and `graceful` could not answer a bare close with 1000. Without
 * `_closeFrameSent` the close log line could not say a protocol-error close went out cleanly.
 */
export const CLOSE_FLAG_SHAPES: readonly Shape[] = [
  { file: FILE, object: 'WebSocket', member: '_closeFrameReceived', kind: 'boolean', checkedOn: CHECKED_ON.ws },
  { file: FILE, object: 'WebSocket', member: '_closeFrameSent', kind: 'boolean', checkedOn: CHECKED_ON.ws },
  { file: FILE, object: 'WebSocket', member: CLOSE_FLAGS_BEHAVIOUR, kind: 'behaviour', checkedOn: CHECKED_ON.ws },
];

/**
 * Whether the peer's close frame has arrived (ws's `_closeFrameReceived`; guarded by
 * test/internals/library-shapes.test.ts, and the drop and graceful tests fail if it moves).
 */
export function peerCloseReceived(ws: WebSocket): boolean {
  return (ws as unknown as { _closeFrameReceived: boolean })._closeFrameReceived === true;
}

/** Whether our close frame has been written to the socket (ws's `_closeFrameSent`, guarded as above). */
export function ownCloseSent(ws: WebSocket): boolean {
  return (ws as unknown as { _closeFrameSent: boolean })._closeFrameSent === true;
}
