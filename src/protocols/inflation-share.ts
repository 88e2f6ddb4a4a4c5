// A compressed connection's share of inflation: large frames inflate one at a time per process, each followed by its
// echo's compression, and yield the event loop as they go, so deflate bombs cannot pile up messages or slow others.
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import type { Transform } from 'node:stream';
import type WebSocket from 'ws';
import { watchInflation, type InflationWatcher } from '../internals/ws-inflate';

/**
 * A frame may inflate this many bytes on its own; past them it needs the process's one large-inflation turn and waits
 * (its zlib stream paused, holding about this much) while another connection has it. A 100 KB frame of zeros is 100
 * MiB inflated: without turns, four such frames at once held 865 MiB.
 */
export const LARGE_INFLATION = 1024 * 1024;

/** Inflated bytes after which the connection with the turn yields the event loop (resumes on the next turn). */
export const INFLATED_PER_TURN = 1024 * 1024;

/**
 * DEFLATE's largest expansion: at best 2 bits (a 1-bit length code and a 1-bit distance code) make 258 bytes. A frame
 * of at most {@link LARGE_INFLATION} / 1032 bytes (1 KB) can never become large.
 */
const MAX_DEFLATE_RATIO = 1032;

/**
 * A large message keeps the turn until the connection's next compressed send is done (its echo: one large message at a
 * time is inflated, joined and compressed again), or this long after it was inflated (a mode that delays or drops the
 * echo); and between two frames of a large message, this long for the next frame (a client that stalls mid-message
 * gives the turn up, and waits for it again).
 */
export const TURN_AFTER_INFLATION_MS = 250;

/**
 * One connection's inflation. A message past {@link LARGE_INFLATION}, counted over all its frames (a bomb sent as
 * thousands of 1 KB frames is one large message), needs the turn; so does, from its start, the frame after a large
 * message's frame (its next frame, or after its echo is compressed the next message) and a frame over 1 KB on a new
 * zlib stream (which cannot be paused: the connection's first compressed frame, or the first after the client ended a
 * stream).
 */
class InflationShare implements InflationWatcher {
  constructor(private readonly ws: WebSocket) {}

  private stream: Transform | undefined;
  /** Inflated bytes of the message inflating now (all its frames so far), and since the last yield. */
  private messageBytes = 0;
  private turnBytes = 0;
  private pausable = false;
  /** Whether this connection's last frame belonged to a large message. */
  private heavy = false;
  private holdsTurn = false;
  /** A frame held back until this share has the turn. */
  private pendingStart: (() => void) | undefined;
  /** ws's reading of a frame that finished inflating while its stream was paused. */
  private pendingDone: (() => void) | undefined;
  /** Set while the turn is kept for the echo of a large message. */
  private echoTimer: NodeJS.Timeout | undefined;
  /** Set while the turn is kept for the next frame of a large message. */
  private gapTimer: NodeJS.Timeout | undefined;
  private readonly onData = (chunk: Buffer): void => this.inflated(chunk.length);
  private readonly resumeTurn = (): void => {
    this.turnBytes = 0;
    this.resume();
  };
  private readonly echoDone = (): void => {
    this.echoTimer = undefined;
    passTurn(this);
    if (this.pendingStart !== undefined) takeTurn(this);
  };
  private readonly gapEnded = (): void => {
    this.gapTimer = undefined;
    passTurn(this); // the message's next frame takes its turn again when it comes
  };
  private readonly deliver = (): void => {
    const done = this.pendingDone;
    this.pendingDone = undefined;
    done?.();
  };

  admit(freshStream: boolean, compressedBytes: number): boolean {
    if (!this.heavy && (!freshStream || compressedBytes * MAX_DEFLATE_RATIO <= LARGE_INFLATION)) return true;
    if (this.holdsTurn) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
      return this.echoTimer === undefined;
    }
    return takeTurn(this);
  }

  startLater(start: () => void): void {
    this.pendingStart = start;
  }

  frameStarted(stream: Transform, pausable: boolean): void {
    this.pausable = pausable;
    if (stream === this.stream) return;
    this.stream = stream;
    stream.on('data', this.onData);
    stream.once('close', () => this.closed(stream));
  }

  inflationDone(done: () => void): void {
    if (this.stream?.isPaused()) this.pendingDone = done;
    else done();
  }

  frameEnded(fin: boolean): void {
    this.heavy = this.messageBytes > LARGE_INFLATION;
    if (fin) this.messageBytes = 0;
    if (!this.holdsTurn) leaveQueue(this);
    else if (!this.heavy) passTurn(this);
    else if (fin) this.echoTimer ??= setTimeout(this.echoDone, TURN_AFTER_INFLATION_MS);
    else this.gapTimer ??= setTimeout(this.gapEnded, TURN_AFTER_INFLATION_MS);
  }

  compressed(): void {
    if (this.echoTimer === undefined) return;
    clearTimeout(this.echoTimer);
    this.echoDone();
  }

  /** Called when the turn comes to this share: a held-back frame starts, a paused one goes on. */
  given(): void {
    this.holdsTurn = true;
    this.turnBytes = 0;
    const start = this.pendingStart;
    this.pendingStart = undefined;
    if (start !== undefined) start();
    else this.resume();
  }

  /** Called when this share gives the turn up. */
  released(): void {
    this.holdsTurn = false;
  }

  /** Resumes a paused stream; ws reads a frame that finished meanwhile once what the stream held has flowed. */
  private resume(): void {
    if (!this.stream?.isPaused()) return;
    this.stream.resume();
    if (this.pendingDone !== undefined) setImmediate(this.deliver);
  }

  /** Counts what a frame inflated; pauses it while it must wait for the turn, or has had its share of this one. */
  private inflated(bytes: number): void {
    this.messageBytes += bytes;
    if (this.messageBytes <= LARGE_INFLATION || !this.pausable) return;
    if (!this.holdsTurn && !takeTurn(this)) {
      this.stream?.pause();
      return;
    }
    this.turnBytes += bytes;
    if (this.turnBytes >= INFLATED_PER_TURN) {
      this.stream?.pause();
      setImmediate(this.resumeTurn);
    }
  }

  /**
   * A zlib stream closed: the connection ended (what waits is dropped, the turn passes on), or ws replaced a stream the
   * client ended (then a frame may already wait to start on the next one, and keeps its place).
   */
  private closed(stream: Transform): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.pendingDone = undefined;
    if (this.ws.readyState === this.ws.CLOSED) this.pendingStart = undefined;
    if (this.pendingStart !== undefined) return;
    clearTimeout(this.echoTimer);
    clearTimeout(this.gapTimer);
    this.echoTimer = this.gapTimer = undefined;
    if (this.holdsTurn) passTurn(this);
    else leaveQueue(this);
  }
}

/** The share inflating (or echoing) a large frame now, and those waiting for it, first come first served. */
let turnHolder: InflationShare | undefined;
const waiting: InflationShare[] = [];

/** Gives `share` the turn if nobody has it; else queues it (once). */
function takeTurn(share: InflationShare): boolean {
  if (turnHolder === undefined) {
    turnHolder = share;
    share.given();
    return true;
  }
  if (!waiting.includes(share)) waiting.push(share);
  return false;
}

/** `share` is done with the turn: the next waiting share gets it. */
function passTurn(share: InflationShare): void {
  share.released();
  if (turnHolder !== share) return;
  turnHolder = waiting.shift();
  turnHolder?.given();
}

/** `share` no longer waits (its frame failed or its connection ended). */
function leaveQueue(share: InflationShare): void {
  const at = waiting.indexOf(share);
  if (at >= 0) waiting.splice(at, 1);
}

/** Puts the inflation of `ws` under the process's shared turns; nothing happens on a connection without compression. */
export function shareInflation(ws: WebSocket): void {
  watchInflation(ws, new InflationShare(ws));
}
