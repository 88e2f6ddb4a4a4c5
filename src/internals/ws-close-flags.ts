// The two private flags of a ws 8.23 WebSocket that say how far its close handshake has come.
import type WebSocket from 'ws';

/**
 * `ws` keeps no public flag for "the peer's close frame has arrived"; this is the one place we
 * read it (package.json pins ws to 8.23.x; the forever and graceful tests fail if it moves).
 */
export function peerCloseReceived(ws: WebSocket): boolean {
  return (ws as unknown as { _closeFrameReceived: boolean })._closeFrameReceived === true;
}

/** Whether our close frame has been written to the socket (ws's `_closeFrameSent`, pinned as above). */
export function ownCloseSent(ws: WebSocket): boolean {
  return (ws as unknown as { _closeFrameSent: boolean })._closeFrameSent === true;
}
