// Stops reading from a client while what we send it waits unwritten past the bound, or until the next event-loop turn
// once it has had its share of this one.
import { setImmediate } from 'node:timers';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { BACKPRESSURE_HIGH_WATER, PONGS_PENDING_HIGH_WATER } from '../core/constants';
import { currentTurn, MESSAGES_PER_TURN, READS_PER_TURN } from './loop-turns';

/**
 * What one echo or pong handed to the socket costs besides its payload bytes (Node's write
 * queue entries, the frame header Buffer, ws's queue entry): a flood of empty messages to a
 * client that never reads must reach the bound too, not only large ones.
 */
export const QUEUED_SEND_OVERHEAD = 256;

const EMPTY = Buffer.alloc(0);

/**
 * One connection's reading, paused while a test asks ({@link Backpressure.hold}), or while the client does not read
 * what we send: more than {@link BACKPRESSURE_HIGH_WATER} of cost queued (payload bytes, plus
 * {@link QUEUED_SEND_OVERHEAD} per echo or pong sent since the socket was last seen empty,
 * plus every queue outside the socket registered with {@link Backpressure.countQueue}), or
 * more than {@link PONGS_PENDING_HIGH_WATER} pongs unwritten. Reading resumes once all of
 * them are back under the bound. Also paused until the next event-loop turn once the client
 * has brought its share of this one ({@link Backpressure.countMessage}, {@link Backpressure.countRead}).
 * A paused client is slowed, never closed.
 */
export class Backpressure {
  private paused = false;
  /** A test paused this client (`client.pause()`): nothing else resumes it, only `client.resume()` or a drop. */
  private heldByTest = false;
  /** The event-loop turn this client was last counted in, and what it brought in that turn. */
  private turn = -1;
  private messagesThisTurn = 0;
  private readsThisTurn = 0;
  private pongsPending = 0;
  /**
   * Echoes and pongs handed to the socket and not known to be written (a per-send counter: the hot path pays an
   * increment).
   */
  private sends = 0;
  /** Of {@link sends}, those written before the marker now in the socket's queue; undefined when none is. */
  private sendsBeforeMarker: number | undefined;
  /** Queues outside the socket ({@link countQueue}); none for most connections, so no array either. */
  private queues: Array<() => number> | undefined;
  /** Callbacks made at the first pong and the first pause: an idle connection needs neither. */
  private pongWritten: (() => void) | undefined;
  private markerWritten: (() => void) | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  /**
   * Counts a queue outside the socket (delayed echoes, echoes waiting for compression):
   * `cost` says what it holds now, in bytes with its overhead. Its owner calls
   * {@link Backpressure.afterQueue} when it grows and {@link Backpressure.resumeIfUnder} when it shrinks.
   */
  countQueue(cost: () => number): void {
    (this.queues ??= []).push(cost);
  }

  /** After a send: pauses reading if the queue is now past the bound. */
  afterSend(): void {
    this.sends++;
    if (!this.paused && this.ws.bufferedAmount + this.sends * QUEUED_SEND_OVERHEAD > BACKPRESSURE_HIGH_WATER)
      this.pause();
  }

  /** After a queue outside the socket grew: pauses reading if everything queued is past the bound. */
  afterQueue(): void {
    if (!this.paused && this.cost() > BACKPRESSURE_HIGH_WATER) this.pause();
  }

  /** After a queue outside the socket shrank: reads again if everything queued is under the bound. */
  resumeIfUnder(): void {
    if (this.paused) this.resume();
  }

  /**
   * Answers a ping. `ws`'s own answering terminates a socket with more than 60 pongs unwritten,
   * which a client that sends 100 pings in one go hits; here every ping gets its pong and a
   * client that never reads them is paused instead.
   */
  pong(data: Buffer): void {
    this.pongsPending++;
    this.ws.pong(data, false, (this.pongWritten ??= () => this.onPongWritten()));
    if (!this.paused && this.pongsPending > PONGS_PENDING_HIGH_WATER) this.pause();
    else this.afterSend();
  }

  /** Counts one message from the client; its {@link MESSAGES_PER_TURN}th in this turn makes it {@link yieldTurn}. */
  countMessage(): void {
    this.inCurrentTurn();
    if (++this.messagesThisTurn === MESSAGES_PER_TURN) this.yieldTurn();
  }

  /** Counts one socket read from the client; its {@link READS_PER_TURN}th in this turn makes it {@link yieldTurn}. */
  countRead(): void {
    this.inCurrentTurn();
    if (++this.readsThisTurn === READS_PER_TURN) this.yieldTurn();
  }

  private inCurrentTurn(): void {
    const turn = currentTurn();
    if (turn === this.turn) return;
    this.turn = turn;
    this.messagesThisTurn = 0;
    this.readsThisTurn = 0;
  }

  /** Stops reading until the next event-loop turn: this client has had its share of this one (see loop-turns.ts). */
  private yieldTurn(): void {
    if (this.paused) return;
    this.paused = true; // no marker: its callback could resume reading within this same turn
    this.ws.pause();
    setImmediate(Backpressure.turnEnded, this);
  }

  private static turnEnded(backpressure: Backpressure): void {
    if (backpressure.paused) backpressure.resume();
  }

  /** Whether a test paused reading ({@link hold}). */
  get held(): boolean {
    return this.heldByTest;
  }

  /** The fourth reason: a test stops reading from this client until {@link unhold}, whatever the other three say. */
  hold(): void {
    this.heldByTest = true;
    if (this.paused) return;
    this.paused = true;
    this.ws.pause();
  }

  /** The test's pause ends: reads again unless one of the other three reasons still holds. */
  unhold(): void {
    if (!this.heldByTest) return;
    this.heldByTest = false;
    if (this.paused) this.resume();
  }

  /** Reads again whatever is queued (a dropped connection must read the peer's FIN, even under a test's pause). */
  release(): void {
    this.heldByTest = false;
    if (!this.paused) return;
    this.paused = false;
    this.ws.resume();
  }

  /** Everything queued: the socket's bytes and sends, and every queue outside it. */
  private cost(): number {
    let cost = this.ws.bufferedAmount + this.sends * QUEUED_SEND_OVERHEAD;
    if (this.queues) for (const queue of this.queues) cost += queue();
    return cost;
  }

  private onPongWritten(): void {
    this.pongsPending--;
    if (this.paused && this.pongsPending === 0) this.resume();
  }

  /** The socket wrote everything queued before the marker: those sends are out. */
  private onMarkerWritten(): void {
    this.sends -= this.sendsBeforeMarker ?? 0;
    this.sendsBeforeMarker = undefined;
    if (this.paused) this.resume();
  }

  private pause(): void {
    this.paused = true;
    this.ws.pause();
    this.watchSocket();
  }

  /**
   * Writes an empty marker behind what the socket holds; its callback says when all of it is
   * written. Unlike 'drain', it fires however little is queued (a socket under its own high-water
   * mark never emits 'drain'). At most one is in flight, and only while paused.
   */
  private watchSocket(): void {
    if (this.sendsBeforeMarker !== undefined || this.socket.writableEnded || this.socket.destroyed) return;
    if (this.sends === 0 && this.socket.writableLength === 0) return;
    this.sendsBeforeMarker = this.sends;
    this.socket.write(EMPTY, (this.markerWritten ??= () => this.onMarkerWritten()));
  }

  private resume(): void {
    // A dropped connection only reads on to find the client's FIN: whatever is queued, it reads (see release()).
    if (this.socket.writableEnded) return this.release();
    if (this.heldByTest || this.pongsPending > 0) return;
    // a queue outside the socket wakes us when it shrinks
    if (this.cost() > BACKPRESSURE_HIGH_WATER) return this.watchSocket();
    this.release();
  }
}
