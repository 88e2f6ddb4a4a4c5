// How a connection hands echoes to ws: directly, or, when compression is negotiated, counted until zlib has let ws write them.
import type WebSocket from 'ws';
import { QUEUED_SEND_OVERHEAD, type Backpressure } from './backpressure';

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
 * ended the socket at once would lose the echo; it waits here instead. The echoes waiting for
 * compression count towards backpressure ({@link QUEUED_SEND_OVERHEAD} each: an empty one adds
 * nothing to `bufferedAmount`), so a client that never reads cannot fill ws's compression queue.
 */
class CountingSender implements EchoSender {
  private unwritten = 0;
  private pending: (() => void) | undefined;
  /** One callback per connection, not one per message. */
  private readonly written = (): void => {
    this.unwritten--;
    if (this.unwritten > 0) return;
    this.backpressure.resumeIfUnder();
    if (this.pending === undefined) return;
    const action = this.pending;
    this.pending = undefined;
    action();
  };

  constructor(
    private readonly ws: WebSocket,
    private readonly backpressure: Backpressure,
  ) {
    backpressure.countQueue(() => this.unwritten * QUEUED_SEND_OVERHEAD);
  }

  send(data: Buffer, options: { binary: boolean }): void {
    this.unwritten++;
    this.ws.send(data, options, this.written);
  }

  whenWritten(action: () => void): void {
    if (this.unwritten === 0) action();
    else this.pending = action;
  }
}

/** Without compression: `ws.send` itself and nothing counted, in one small object (a bound `send` and a closure cost ~170 B per connection). */
class DirectSender implements EchoSender {
  constructor(private readonly ws: WebSocket) {}

  send(data: Buffer, options: { binary: boolean }): void {
    this.ws.send(data, options);
  }

  whenWritten(action: () => void): void {
    action();
  }
}

/** The sender for `ws`, chosen once at set-up. */
export function echoSenderFor(ws: WebSocket, backpressure: Backpressure): EchoSender {
  if (ws.extensions === '') return new DirectSender(ws);
  return new CountingSender(ws, backpressure);
}
