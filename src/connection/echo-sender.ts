// How a connection writes: small echoes batched by hand, larger ones through ws with the socket corked for the read;
// counted until zlib is done when compression is on.
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { QUEUED_SEND_OVERHEAD, type Backpressure } from './backpressure';
import { addToBatch, BATCHED_PAYLOAD_MAX, flushBatchOf, type BatchOwner } from './frame-batch';

/**
 * Writes a connection's echoes, and keeps whatever else it writes (pongs, close frames, a test's messages) in order
 * after them.
 */
export interface EchoSender {
  /** Sends one echo and counts it towards backpressure. */
  send(data: Buffer, isBinary: boolean): void;
  /** Writes every echo held back so far, so that what is written next follows them. */
  flush(): void;
  /**
   * {@link EchoSender.flush}, then holds what this read makes us write in the socket until the read is handled: one
   * system call for all of it.
   */
  corkForThisRead(): void;
  /** Runs `action` once every echo sent so far is written (at once when none is waiting). */
  whenWritten(action: () => void): void;
  /** Tells `written` of each echo from now on (a test's set() adds fault endings to an open connection). */
  reportTo(written: EchoWritten): void;
}

/**
 * Hears of each echo once it is handed to `ws` or the socket (in order): the connection counts it, and the faults that
 * end a connection after n echoes count it too. Chosen once at set-up, so a plain connection pays one call per echo.
 */
export interface EchoWritten {
  echoWritten(echo: Buffer, isBinary: boolean): void;
}

const AS_TEXT = { binary: false } as const;
const AS_BINARY = { binary: true } as const;

/** What every sender shares: corking the socket until the current read is handled. */
export abstract class CorkingSender implements EchoSender {
  private corked = false;

  constructor(
    protected readonly ws: WebSocket,
    protected readonly socket: Duplex,
    protected readonly backpressure: Backpressure,
    protected written: EchoWritten,
  ) {}

  reportTo(written: EchoWritten): void {
    this.written = written;
  }

  abstract send(data: Buffer, isBinary: boolean): void;
  abstract flush(): void;
  abstract whenWritten(action: () => void): void;

  /** The corked bytes count in `bufferedAmount`, and `socket.end()` uncorks first. */
  corkForThisRead(): void {
    this.flush();
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(CorkingSender.uncorkAfterRead, this);
  }

  private static uncorkAfterRead(sender: CorkingSender): void {
    sender.corked = false;
    sender.socket.uncork();
  }
}

/**
 * Without compression: echoes of up to {@link BATCHED_PAYLOAD_MAX} bytes are framed into the
 * read's batch ({@link addToBatch}), written as one Buffer once the read is handled; larger
 * ones go to `ws.send` with the socket corked. Each batch written counts as one send towards
 * backpressure (its bytes and one queue entry's overhead).
 */
class BatchingSender extends CorkingSender implements BatchOwner {
  send(data: Buffer, isBinary: boolean): void {
    if (data.length <= BATCHED_PAYLOAD_MAX) addToBatch(this, data, isBinary);
    else {
      this.corkForThisRead();
      this.ws.send(data, isBinary ? AS_BINARY : AS_TEXT);
      this.backpressure.afterSend();
    }
    this.written.echoWritten(data, isBinary);
  }

  writeBatch(frames: Buffer): void {
    if (!this.socket.writable) return; // ended or destroyed since: ws would not have sent these either
    this.socket.write(frames);
    this.backpressure.afterSend();
  }

  flush(): void {
    flushBatchOf(this);
  }

  whenWritten(action: () => void): void {
    this.flush();
    action();
  }
}

/**
 * Counts compressed echoes until ws has written them. With permessage-deflate, `ws.send`
 * returns before the frame exists (zlib compresses it on the thread pool), so a drop that
 * ended the socket at once would lose the echo; it waits here instead. The echoes waiting for
 * compression count towards backpressure ({@link QUEUED_SEND_OVERHEAD} each: an empty one adds
 * nothing to `bufferedAmount`), so a client that never reads cannot fill ws's compression queue.
 */
class CountingSender extends CorkingSender {
  private unwritten = 0;
  private pending: (() => void) | undefined;
  /** One callback per connection, not one per message. */
  private readonly zlibDone = (): void => {
    this.unwritten--;
    if (this.unwritten > 0) return;
    this.backpressure.resumeIfUnder();
    if (this.pending === undefined) return;
    const action = this.pending;
    this.pending = undefined;
    action();
  };

  constructor(ws: WebSocket, socket: Duplex, backpressure: Backpressure, written: EchoWritten) {
    super(ws, socket, backpressure, written);
    backpressure.countQueue(() => this.unwritten * QUEUED_SEND_OVERHEAD);
  }

  send(data: Buffer, isBinary: boolean): void {
    this.unwritten++;
    this.corkForThisRead();
    this.ws.send(data, isBinary ? AS_BINARY : AS_TEXT, this.zlibDone);
    this.backpressure.afterSend();
    this.written.echoWritten(data, isBinary);
  }

  flush(): void {} // nothing is held back here: ws's own queue keeps the order

  whenWritten(action: () => void): void {
    if (this.unwritten === 0) action();
    else this.pending = action;
  }
}

/**
 * The sender for `ws` when no fault queues its echoes, chosen once at set-up: batching, or counting when compression
 * was negotiated. `written` hears of each echo as it is sent.
 */
export function echoSenderFor(
  ws: WebSocket,
  socket: Duplex,
  backpressure: Backpressure,
  written: EchoWritten,
): EchoSender {
  return ws.extensions === ''
    ? new BatchingSender(ws, socket, backpressure, written)
    : new CountingSender(ws, socket, backpressure, written);
}
