// How a connection hands echoes to ws: directly, or, when compression is negotiated, counted until zlib has let ws write them.
import type WebSocket from 'ws';

/** Sends echoes and says when all of them are written to the socket. */
export interface EchoSender {
  /** Sends one echo, as `ws.send` does. */
  send(data: Buffer, options: { binary: boolean }): void;
  /** Runs `action` once every echo sent so far is written (at once when none is waiting). */
  whenWritten(action: () => void): void;
}

/**
 * Counts compressed echoes until ws has written them. With permessage-deflate, `ws.send`
 * returns before the frame exists (zlib compresses it on the thread pool), so a drop that
 * ended the socket at once would lose the echo; it waits here instead.
 */
class CountingSender implements EchoSender {
  private unwritten = 0;
  private pending: (() => void) | undefined;
  /** One callback per connection, not one per message. */
  private readonly written = (): void => {
    this.unwritten--;
    if (this.unwritten > 0 || this.pending === undefined) return;
    const action = this.pending;
    this.pending = undefined;
    action();
  };

  constructor(private readonly ws: WebSocket) {}

  send(data: Buffer, options: { binary: boolean }): void {
    this.unwritten++;
    this.ws.send(data, options, this.written);
  }

  whenWritten(action: () => void): void {
    if (this.unwritten === 0) action();
    else this.pending = action;
  }
}

/** The sender for `ws`, chosen once at set-up: without compression, `ws.send` itself and nothing counted. */
export function echoSenderFor(ws: WebSocket): EchoSender {
  if (ws.extensions === '') return { send: ws.send.bind(ws), whenWritten: (action) => action() };
  return new CountingSender(ws);
}
