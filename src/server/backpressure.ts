// Stops reading from a client while what we send it waits unwritten: echoes past the bound, or pongs.
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { BACKPRESSURE_HIGH_WATER, PONGS_PENDING_HIGH_WATER } from '../core/constants';

/**
 * One connection's reading, paused while the client does not read what we send: more than
 * {@link BACKPRESSURE_HIGH_WATER} bytes queued, or more than {@link PONGS_PENDING_HIGH_WATER}
 * pongs unwritten (each costs far more memory than its bytes). Reading resumes once the
 * socket has written its queue. A paused client is slowed, never closed.
 */
export class Backpressure {
  private paused = false;
  private watchingDrain = false;
  private pongsPending = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  /** After a send: pauses reading if the queue is now past the bound. */
  afterSend(): void {
    if (!this.paused && this.ws.bufferedAmount > BACKPRESSURE_HIGH_WATER) this.pause();
  }

  /**
   * After queuing echoes outside the socket (a fault's delayed, throttled or fragmented echoes):
   * pauses reading if those `waiting` bytes and the socket's queue are past the bound.
   */
  afterQueue(waiting: number): void {
    if (!this.paused && this.ws.bufferedAmount + waiting > BACKPRESSURE_HIGH_WATER) this.pause();
  }

  /** Reads again once the echoes waiting outside the socket (`waiting` bytes) and its queue are under the bound. */
  resumeIfUnder(waiting: number): void {
    if (this.paused && this.ws.bufferedAmount + waiting <= BACKPRESSURE_HIGH_WATER) this.resume();
  }

  /**
   * Answers a ping. `ws`'s own answering terminates a socket with more than 60 pongs unwritten,
   * which a client that sends 100 pings in one go hits; here every ping gets its pong and a
   * client that never reads them is paused instead.
   */
  pong(data: Buffer): void {
    this.pongsPending++;
    this.ws.pong(data, false, this.pongWritten);
    if (!this.paused && this.pongsPending > PONGS_PENDING_HIGH_WATER) this.pause();
    else this.afterSend();
  }

  /** Reads again whatever is queued (a dropped connection must still read the peer's FIN). */
  release(): void {
    if (!this.paused) return;
    this.paused = false;
    this.ws.resume();
  }

  private readonly pongWritten = (): void => {
    this.pongsPending--;
    if (this.paused && this.pongsPending === 0) this.resume();
  };

  private pause(): void {
    this.paused = true;
    this.ws.pause();
    if (this.watchingDrain) return;
    this.watchingDrain = true;
    this.socket.on('drain', () => this.resume());
  }

  private resume(): void {
    if (this.pongsPending > 0 || this.socket.writableNeedDrain) return;
    this.release();
  }
}
