// The primary's count of open connections across workers: one place decides, so the limit holds under races.
import { SHUTTING_DOWN_REFUSAL } from '../edge/admission';
import { CONNECTION_LIMIT_REFUSAL, type UpgradeRefusal } from '../edge/handshake';

/**
 * Every upgrade that passed a worker's own checks asks here for a slot and an id. The
 * primary handles one message at a time, so two workers can never both take the last slot;
 * a slot is held from the answer until the worker says the socket is gone, so a connection
 * still finishing its handshake counts as open (the limit is never exceeded, at worst
 * reached a moment early).
 */
export class ConnectionLedger {
  private lastId = 0;
  private openCount = 0;
  private readonly openByWorker = new Map<number, number>();
  private closing = false;

  /** @param maxConnections open connections allowed across all workers (Infinity: no limit) */
  constructor(private readonly maxConnections: number) {}

  /** Open connections across all workers. */
  get open(): number {
    return this.openCount;
  }

  /** Open connections of one worker process (by its cluster id). */
  openBy(worker: number): number {
    return this.openByWorker.get(worker) ?? 0;
  }

  /** A slot and a new id for a connection on `worker`, or why not. */
  admit(worker: number): { id: number } | { refusal: UpgradeRefusal } {
    if (this.closing) return { refusal: SHUTTING_DOWN_REFUSAL };
    if (this.openCount >= this.maxConnections) return { refusal: CONNECTION_LIMIT_REFUSAL };
    this.openCount++;
    this.openByWorker.set(worker, this.openBy(worker) + 1);
    return { id: ++this.lastId };
  }

  /** Gives back one slot of `worker`. */
  release(worker: number): void {
    const held = this.openBy(worker);
    if (held === 0) return;
    this.openByWorker.set(worker, held - 1);
    this.openCount--;
  }

  /** Gives back every slot of a worker that exited (its connections died with it). */
  forget(worker: number): void {
    this.openCount -= this.openBy(worker);
    this.openByWorker.delete(worker);
  }

  /** From now on every upgrade is refused as during shutdown. */
  close(): void {
    this.closing = true;
  }
}
