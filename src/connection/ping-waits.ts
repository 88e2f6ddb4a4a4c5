// A test's pings on one connection, each waiting for the pong with its payload, with a timeout; made at the first.
import { clearTimeout, setTimeout } from 'node:timers';
import type { PongReply } from '../core/client-types';

/**
 * Pings in flight on one connection at most: one more is refused at once, so a test in a loop cannot grow the list
 * without bound.
 */
export const MAX_PINGS_IN_FLIGHT = 1000;

/**
 * Bytes queued for a connection (ws's bufferedAmount) past which ping() is refused at once: a ping that timed out
 * leaves the count above, but its frame stays queued for a client that does not read, so the count alone does not
 * bound a ping() loop's memory.
 */
export const MAX_QUEUED_BYTES_FOR_PING = 1024 * 1024;

/** Why ping() refuses at once, or `undefined` if it may ping: too many in flight, or a client that is not reading. */
export function pingRefusal(inFlight: number, queuedBytes: number): string | undefined {
  if (inFlight >= MAX_PINGS_IN_FLIGHT) return `ping(): ${MAX_PINGS_IN_FLIGHT} pings already wait for their pongs`;
  if (queuedBytes > MAX_QUEUED_BYTES_FOR_PING)
    return `ping(): ${queuedBytes} bytes already wait to be written (over 1 MiB): the client is not reading`;
  return undefined;
}

/** One ping waiting for its pong. */
interface PingWait {
  data: Buffer;
  sentAt: number;
  resolve: (reply: PongReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The pings a test sent, oldest first. A pong answers the oldest ping with the same payload (RFC 6455 §5.5.3: a pong
 * carries its ping's payload), so several pings can be in flight; a pong nobody waits for (the heartbeat's, an
 * unsolicited one) is ignored.
 */
export class PingWaits {
  private readonly waits: PingWait[] = [];

  /** Pings in flight. */
  get size(): number {
    return this.waits.length;
  }

  /**
   * Waits for the pong to a ping with `data` sent now; rejects with `timedOut()`'s message after `timeoutMs`
   * (`Infinity`: never).
   */
  add(data: Buffer, timeoutMs: number, timedOut: () => string): Promise<PongReply> {
    return new Promise<PongReply>((resolve, reject) => {
      const wait: PingWait = { data, sentAt: performance.now(), resolve, reject, timer: undefined as never };
      if (Number.isFinite(timeoutMs))
        wait.timer = setTimeout(() => {
          this.remove(wait);
          reject(new Error(timedOut()));
        }, timeoutMs);
      this.waits.push(wait);
    });
  }

  /** A pong arrived: the oldest ping with its payload resolves. */
  answer(data: Buffer): void {
    const wait = this.waits.find((w) => w.data.equals(data));
    if (wait === undefined) return;
    this.remove(wait);
    wait.resolve({ data, rtt: Math.round((performance.now() - wait.sentAt) * 1000) / 1000 });
  }

  /** The connection ended: every ping in flight rejects with `message`. */
  rejectAll(message: string): void {
    for (const wait of this.waits.splice(0)) {
      clearTimeout(wait.timer);
      wait.reject(new Error(message));
    }
  }

  private remove(wait: PingWait): void {
    clearTimeout(wait.timer);
    const at = this.waits.indexOf(wait);
    if (at !== -1) this.waits.splice(at, 1);
  }
}
