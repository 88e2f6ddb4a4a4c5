// The fault queue as a connection's one writer: echoes waiting for their delay, the throttle or their turn as frames,
// one queue and at most one timer per connection, written through ws (small fragments framed by hand) and counted
// until the socket has them.
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { Behaviour } from '../../behaviour/behaviour';
import { delayPicker, seededRandom } from '../../behaviour/random';
import { QUEUED_SEND_OVERHEAD, type Backpressure } from '../backpressure';
import { CorkingSender, type EchoWritten } from '../echo-sender';
import { addFrame, dropFrames, frameFits, HAND_FRAMED_MAX, takeFrames } from './fragment-frames';

/**
 * What one queued echo costs besides its payload (the queue entry and the Buffer object), for the
 * backpressure rule: a flood of empty messages must not queue without bound either.
 */
export const QUEUED_ECHO_OVERHEAD = 256;

/**
 * Frames written in one go before the queue waits for the socket to write them: so a message
 * sent as a million 1-byte frames neither holds the event loop nor fills the socket's queue
 * with a million entries (each costs far more memory than its byte).
 */
export const FRAMES_PER_FLUSH = 256;

/**
 * The longest the queue's timer sleeps at a time. A wait longer than this (a 3 MB echo at `throttle=1` waits 35 days,
 * beyond Node's timer limit of 2^31-1 ms) is slept in steps; at each step, while reading from the client is paused
 * (it flooded a queue that is not due), the server pings it: nothing is read from a paused socket, so a client that
 * left (FIN or RST) would otherwise be found only at the next write, up to 600 s later. A ping to a client that left
 * is answered by an RST, and the next write (the next step's ping) fails: the connection ends within two steps.
 */
export const QUEUE_SLEEP_MAX_MS = 1000;

/** One echo (or a test's message) waiting to be written. */
interface QueuedEcho {
  data: Buffer;
  isBinary: boolean;
  /** When it may be written (performance.now() time): arrival plus its delay. */
  readyAt: number;
  /** Bytes already written as frames (fragmenting). */
  written: number;
  /** False for a test's message: it is no echo, and nobody counts it as one. */
  isEcho: boolean;
  /** A test's message in frames of its own: their payload sizes, used instead of the policy's fragment. */
  frames: readonly number[] | undefined;
  /** How many of `frames` are written. */
  frame: number;
}

/** How the queue writes. */
export interface QueuePolicy {
  /** Largest frame, in bytes; undefined writes each echo as one frame. */
  fragment?: number;
  /** Bytes per second; undefined writes as soon as an echo is ready. */
  throttle?: number;
  /** The delay of the next echo, in ms. */
  pickDelay: () => number;
}

const NO_DELAY = (): number => 0;

/** How `behaviour` queues echoes, or undefined when it asks for no delay, throttle or fragment (no queue at all). */
export function queuePolicyFor(behaviour: Behaviour): QueuePolicy | undefined {
  const { delay, seed, fragment, throttle } = behaviour;
  if (delay === undefined && fragment === undefined && throttle === undefined) return undefined;
  const pickDelay =
    delay === undefined ? NO_DELAY : delayPicker(delay, seed === undefined ? Math.random : seededRandom(seed));
  return { fragment, throttle, pickDelay };
}

/**
 * Writes echoes in arrival order, each no earlier than its `readyAt`. With a throttle, a frame
 * of n bytes is written when it would have finished crossing a link of that rate: n/rate
 * seconds after the link was free (or the echo ready), so the client never receives faster.
 * With `fragment`, each echo goes out as frames of at most that many bytes (ws's
 * `send(data, { fin: false })` continuation API), each frame paced on its own.
 *
 * An echo handed to ws stays counted until ws's callback for its last frame (with permessage-deflate ws writes it
 * only once zlib is done), so {@link QueueSender.whenWritten} waits for every echo the queue took, and what is
 * queued or unwritten counts towards backpressure.
 */
export class QueueSender extends CorkingSender {
  private queue: Array<QueuedEcho | undefined> = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the (simulated) link finishes the last frame written. */
  private linkFreeAt = 0;
  /** Payload bytes plus {@link QUEUED_ECHO_OVERHEAD} per echo not yet fully written. */
  private cost = 0;
  /** Echoes handed to ws whose last frame's callback has not come yet. */
  private unwritten = 0;
  private pending: (() => void) | undefined;
  /** Whether the last batch of {@link FRAMES_PER_FLUSH} frames is still in the socket's queue. */
  private waitingForSocket = false;
  /** Whether frames are framed by hand ({@link HAND_FRAMED_MAX}): small fragments, no compression. */
  private byHand: boolean;
  /** The frame size in use: the policy's, taken at an echo's first frame (a set() may change the policy's). */
  private fragment: number | undefined;
  private readonly echoDone = (): void => {
    this.unwritten--;
    this.backpressure.resumeIfUnder();
    this.runPendingIfWritten();
  };
  /**
   * Socket write callbacks run before I/O (process.nextTick): the next batch waits for the next turn, so other clients
   * are read in between.
   */
  private readonly batchWritten = (): void => {
    this.waitingForSocket = false;
    setImmediate(this.pump);
  };
  private readonly echoDoneAndBatchWritten = (): void => {
    this.echoDone();
    this.batchWritten();
  };

  constructor(
    ws: WebSocket,
    socket: Duplex,
    backpressure: Backpressure,
    written: EchoWritten,
    private policy: QueuePolicy,
  ) {
    super(ws, socket, backpressure, written);
    this.fragment = policy.fragment;
    this.byHand = this.framesByHand(policy);
    backpressure.countQueue(() => this.cost + this.unwritten * QUEUED_SEND_OVERHEAD);
    ws.once('close', () => this.discard());
  }

  private framesByHand(policy: QueuePolicy): boolean {
    return policy.fragment !== undefined && policy.fragment <= HAND_FRAMED_MAX && this.ws.extensions === '';
  }

  /**
   * A test's set() changed delay, throttle or fragment: echoes already queued keep their delay (and their order);
   * the throttle applies from the next frame, the fragment size (and so whether frames are framed by hand or go
   * through ws) from the next echo's first frame: an echo half written is finished as it began.
   */
  setPolicy(policy: QueuePolicy): void {
    this.policy = policy;
    if (!this.waitingForSocket) this.pump(); // a sleep timed for the old throttle is timed again
  }

  /** Payload bytes of the messages waiting in the queue, or not yet all written as frames. */
  get waitingBytes(): number {
    return this.cost - this.length * QUEUED_ECHO_OVERHEAD;
  }

  /** Echoes waiting. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** Queues `data` to be written after its delay (or after those before it, if later). */
  send(data: Buffer, isBinary: boolean): void {
    // A small message can be a view of a 64 KiB read: copy it, so a queued echo holds only its own bytes.
    const own = data.buffer.byteLength > data.length * 2 + 8192 ? Buffer.from(data) : data;
    const readyAt = performance.now() + this.policy.pickDelay();
    this.queue.push({ data: own, isBinary, readyAt, written: 0, isEcho: true, frames: undefined, frame: 0 });
    this.cost += own.length + QUEUED_ECHO_OVERHEAD;
    if (this.timer === undefined && !this.waitingForSocket && this.length === 1) this.pump();
    this.backpressure.afterQueue();
  }

  /**
   * Queues a test's message as an echo (its delay, the throttle, after the echoes before it), but not counted as one:
   * in the policy's fragments, or in `frames` (their payload sizes, adding up to its length) when given.
   */
  sendOwn(data: Buffer, isBinary: boolean, frames: readonly number[] | undefined): void {
    const readyAt = performance.now() + this.policy.pickDelay();
    this.queue.push({ data, isBinary, readyAt, written: 0, isEcho: false, frames, frame: 0 });
    this.cost += data.length + QUEUED_ECHO_OVERHEAD;
    if (this.timer === undefined && !this.waitingForSocket && this.length === 1) this.pump();
    this.backpressure.afterQueue();
  }

  flush(): void {} // the queue keeps time order: what is written now may pass a delayed echo

  whenWritten(action: () => void): void {
    this.pending = action;
    this.runPendingIfWritten();
  }

  /** Drops every echo still waiting, and its timer (the connection ends or stops echoing); those handed to ws stay. */
  discard(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
    this.cost = 0;
    this.runPendingIfWritten();
  }

  private runPendingIfWritten(): void {
    if (this.pending === undefined || this.unwritten > 0 || this.length > 0) return;
    const action = this.pending;
    this.pending = undefined;
    action();
  }

  /**
   * Writes the frames that are due, up to {@link FRAMES_PER_FLUSH} through ws (or a batch of {@link FRAME_BATCH_BYTES}
   * framed by hand), then sets one timer (or a socket callback) for the next.
   */
  private readonly pump = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waitingForSocket) return;
    let frames = 0;
    while (this.head < this.queue.length) {
      if (this.ws.readyState !== this.ws.OPEN) {
        dropFrames();
        return this.discard();
      }
      const echo = this.queue[this.head]!;
      if (echo.written === 0 && this.fragment !== this.policy.fragment) this.switchFraming();
      const wait = this.frameDue(echo) - performance.now();
      if (wait >= 1) return this.sleep(wait);
      const byHand = this.byHand && echo.frames === undefined; // a test's own frames may be of any size: through ws
      if (this.byHand && !byHand) this.writeFrames(undefined); // after the frames framed by hand before it
      const more = byHand ? this.addFrame(echo) : this.writeFrame(echo, ++frames === FRAMES_PER_FLUSH);
      if (!more) return;
    }
    this.writeFrames(undefined);
  };

  /**
   * Writes the frames framed so far, then sleeps `wait` ms, {@link QUEUE_SLEEP_MAX_MS} at most; a paused client is
   * pinged.
   */
  private sleep(wait: number): void {
    this.writeFrames(undefined);
    if (wait > QUEUE_SLEEP_MAX_MS && this.ws.isPaused) this.ws.ping();
    this.timer = setTimeout(this.pump, Math.min(wait, QUEUE_SLEEP_MAX_MS));
  }

  /** Writes what was framed by hand so far, then frames the next echo the other way (set() changed `fragment`). */
  private switchFraming(): void {
    this.writeFrames(undefined);
    this.fragment = this.policy.fragment;
    this.byHand = this.framesByHand(this.policy);
  }

  /** When the next frame of `echo` may be written; what it will hold is {@link frameLength}. */
  private frameDue(echo: QueuedEcho): number {
    const start = Math.max(echo.readyAt, this.linkFreeAt);
    return this.policy.throttle === undefined ? start : start + (this.frameLength(echo) * 1000) / this.policy.throttle;
  }

  private frameLength(echo: QueuedEcho): number {
    if (echo.frames !== undefined) return echo.frames[echo.frame];
    const left = echo.data.length - echo.written;
    return this.fragment === undefined ? left : Math.min(this.fragment, left);
  }

  /** Writes the next frame of `echo` through ws; returns false when the socket must write this batch first. */
  private writeFrame(echo: QueuedEcho, lastOfBatch: boolean): boolean {
    this.linkFreeAt = this.frameDue(echo);
    const end = echo.written + this.frameLength(echo);
    const fin = echo.frames === undefined ? end === echo.data.length : ++echo.frame === echo.frames.length;
    const frame = echo.written === 0 && fin ? echo.data : echo.data.subarray(echo.written, end);
    echo.written = end;
    if (lastOfBatch) this.waitingForSocket = true; // the rest waits until the socket has written this batch
    if (fin) this.unwritten++;
    this.ws.send(frame, { binary: echo.isBinary, fin }, this.afterWrite(fin, lastOfBatch));
    if (fin) this.finish(echo);
    return !lastOfBatch;
  }

  /**
   * Frames the next frame of `echo` by hand into the batch; an echo's last frame is written at once (what its listener
   * does next, a close frame or a FIN, must follow it). Returns false when the batch is full: the socket writes it
   * first.
   */
  private addFrame(echo: QueuedEcho): boolean {
    this.linkFreeAt = this.frameDue(echo);
    const end = echo.written + this.frameLength(echo);
    const fin = end === echo.data.length;
    addFrame(echo.data, echo.written, end, echo.isBinary, fin);
    echo.written = end;
    const full = !frameFits(this.fragment!);
    if (full) this.waitingForSocket = true;
    if (fin) this.unwritten++;
    if (fin || full) this.writeFrames(this.afterWrite(fin, full));
    if (fin) this.finish(echo);
    return !full;
  }

  /** What runs once the socket has written a frame: the echo is done (its last frame), the batch is out, or both. */
  private afterWrite(fin: boolean, lastOfBatch: boolean): (() => void) | undefined {
    if (fin) return lastOfBatch ? this.echoDoneAndBatchWritten : this.echoDone;
    return lastOfBatch ? this.batchWritten : undefined;
  }

  /** Writes the frames framed by hand so far, if any, with `done` once the socket has them. */
  private writeFrames(done: (() => void) | undefined): void {
    const frames = this.byHand ? takeFrames() : undefined;
    if (frames === undefined) return;
    if (this.socket.writable) this.socket.write(frames, done);
    else if (done !== undefined) process.nextTick(done); // ended meanwhile: ws would not have sent these either
  }

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
    if (echo.isEcho) this.written.echoWritten(echo.data, echo.isBinary); // a test's message is not counted
    this.backpressure.resumeIfUnder();
  }
}
