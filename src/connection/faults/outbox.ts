// Echoes waiting for their delay, the throttle or their turn as frames: one queue and at most one timer per connection.
import type WebSocket from 'ws';

/**
 * What one queued echo costs besides its payload (the queue entry and the Buffer object), for the
 * backpressure rule: a flood of empty messages must not queue without bound either.
 */
export const QUEUED_ECHO_OVERHEAD = 256;

/**
 * Frames written in one go before the outbox waits for the socket to write them: so a message
 * sent as a million 1-byte frames neither holds the event loop nor fills the socket's queue
 * with a million entries (each costs far more memory than its byte).
 */
export const FRAMES_PER_FLUSH = 256;

/** One echo waiting to be written. */
interface QueuedEcho {
  data: Buffer;
  isBinary: boolean;
  /** When it may be written (performance.now() time): arrival plus its delay. */
  readyAt: number;
  /** Bytes already written as frames (fragmenting). */
  written: number;
}

/** How the outbox writes. */
export interface OutboxPolicy {
  /** Largest frame, in bytes; undefined writes each echo as one frame. */
  fragment?: number;
  /** Bytes per second; undefined writes as soon as an echo is ready. */
  throttle?: number;
}

/** What the connection hears from its outbox. */
export interface OutboxListener {
  /** An echo's last frame was handed to `ws` (synchronously, in order). */
  echoWritten(echo: Buffer, isBinary: boolean): void;
  /** An echo's last frame left the socket (in order). */
  echoFlushed(): void;
}

/**
 * Writes echoes in arrival order, each no earlier than its `readyAt`. With a throttle, a frame
 * of n bytes is written when it would have finished crossing a link of that rate: n/rate
 * seconds after the link was free (or the echo ready), so the client never receives faster.
 * With `fragment`, each echo goes out as frames of at most that many bytes (ws's
 * `send(data, { fin: false })` continuation API), each frame paced on its own.
 */
export class EchoOutbox {
  private queue: Array<QueuedEcho | undefined> = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the (simulated) link finishes the last frame written. */
  private linkFreeAt = 0;
  /** Payload bytes plus {@link QUEUED_ECHO_OVERHEAD} per echo not yet fully written. */
  cost = 0;
  /** Whether the last batch of {@link FRAMES_PER_FLUSH} frames is still in the socket's queue. */
  private waitingForSocket = false;
  private readonly flushed: () => void;
  /**
   * Socket write callbacks run before I/O (process.nextTick): the next batch waits for the next turn, so other clients
   * are read in between.
   */
  private readonly batchWritten = (): void => {
    this.waitingForSocket = false;
    setImmediate(this.pump);
  };
  private readonly flushedAndBatchWritten = (): void => {
    this.flushed();
    this.batchWritten();
  };

  constructor(
    private readonly ws: WebSocket,
    private readonly policy: OutboxPolicy,
    private readonly listener: OutboxListener,
  ) {
    this.flushed = () => listener.echoFlushed();
  }

  /** Echoes waiting. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** Queues `data` to be written `delayMs` from now (or after those before it, if later). */
  add(data: Buffer, isBinary: boolean, delayMs: number): void {
    // A small message can be a view of a 64 KiB read: copy it, so a queued echo holds only its own bytes.
    const own = data.buffer.byteLength > data.length * 2 + 8192 ? Buffer.from(data) : data;
    this.queue.push({ data: own, isBinary, readyAt: performance.now() + delayMs, written: 0 });
    this.cost += own.length + QUEUED_ECHO_OVERHEAD;
    if (this.timer === undefined && !this.waitingForSocket && this.length === 1) this.pump();
  }

  /** Drops every waiting echo and its timer (the connection is ending). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
    this.cost = 0;
  }

  /**
   * Writes the frames that are due, up to {@link FRAMES_PER_FLUSH}, then sets one timer (or a socket callback) for the
   * next.
   */
  private readonly pump = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waitingForSocket) return;
    let frames = 0;
    while (this.head < this.queue.length) {
      if (this.ws.readyState !== this.ws.OPEN) return this.clear();
      const echo = this.queue[this.head]!;
      const left = echo.data.length - echo.written;
      const length = this.policy.fragment === undefined ? left : Math.min(this.policy.fragment, left);
      const start = Math.max(echo.readyAt, this.linkFreeAt);
      const due = this.policy.throttle === undefined ? start : start + (length * 1000) / this.policy.throttle;
      const wait = due - performance.now();
      if (wait >= 1) {
        this.timer = setTimeout(this.pump, wait);
        return;
      }
      this.linkFreeAt = due;
      const end = echo.written + length;
      const fin = end === echo.data.length;
      const frame = echo.written === 0 && fin ? echo.data : echo.data.subarray(echo.written, end);
      echo.written = end;
      if (++frames === FRAMES_PER_FLUSH) {
        this.waitingForSocket = true; // the rest waits until the socket has written this batch
        this.ws.send(frame, { binary: echo.isBinary, fin }, fin ? this.flushedAndBatchWritten : this.batchWritten);
        if (fin) this.finish(echo);
        return;
      }
      this.ws.send(frame, { binary: echo.isBinary, fin }, fin ? this.flushed : undefined);
      if (fin) this.finish(echo);
    }
  };

  private finish(echo: QueuedEcho): void {
    this.queue[this.head++] = undefined;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.cost -= echo.data.length + QUEUED_ECHO_OVERHEAD;
    this.listener.echoWritten(echo.data, echo.isBinary);
  }
}
