// A line writer that never blocks the server and never queues without bound.
import type { Writable } from 'node:stream';
import { LOG_HIGH_WATER } from '../core/constants';

/**
 * Streams that failed (EPIPE once the reader went away, ENOSPC on /dev/full): every later line
 * to them is lost. Kept per stream, with one 'error' listener each, because many loggers
 * (servers started through the API) may share process.stdout.
 */
const brokenStreams = new WeakSet<Writable>();
const watchedStreams = new WeakSet<Writable>();

/** Marks `stream` broken on its first error; the listener also keeps an EPIPE from crashing us. */
function watchForBreakage(stream: Writable): void {
  if (watchedStreams.has(stream)) return;
  watchedStreams.add(stream);
  stream.on('error', () => brokenStreams.add(stream));
}

/**
 * Writes lines to a stream, dropping (and counting) those that arrive while more than
 * `highWater` bytes are still waiting to be written. Node queues writes to a full pipe
 * in memory without limit, so `write()`'s return value alone does not bound anything.
 * Lines are batched into one write per event-loop turn: to a file or a TTY each write is
 * a system call, and a busy server logs many lines a turn.
 */
export class LineWriter {
  /** Lines dropped since the start. */
  dropped = 0;
  private unreported = 0;
  private pending = '';
  private pendingLines = 0;
  private scheduled = false;

  /**
   * @param stream where lines go
   * @param dropNotice turns a count of dropped lines into the line that reports them
   * @param highWater queued bytes past which lines are dropped
   */
  constructor(
    private readonly stream: Writable,
    private readonly dropNotice: (count: number) => string,
    private readonly highWater = LOG_HIGH_WATER,
  ) {
    // A reader that went away (EPIPE) must not take the server down with it, and from then
    // on lines are counted as dropped: stdout is never "destroyed" by a failed write.
    watchForBreakage(stream);
  }

  private get broken(): boolean {
    return brokenStreams.has(this.stream);
  }

  /** Whether a line written now would be dropped; lets callers skip formatting it. */
  get congested(): boolean {
    return this.broken || this.stream.writableLength + this.pending.length > this.highWater || this.stream.destroyed;
  }

  /** Counts a line as dropped without writing it (the caller saw {@link LineWriter.congested}). */
  countDropped(lines = 1): void {
    this.dropped += lines;
    this.unreported += lines;
  }

  /** Queues `line` and a newline for this turn's write, or counts it as dropped. */
  write(line: string): void {
    if (this.congested) return this.countDropped();
    if (this.unreported > 0) {
      this.pending += this.dropNotice(this.unreported) + '\n';
      this.pendingLines++;
      this.unreported = 0;
    }
    this.pending += line + '\n';
    this.pendingLines++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.writePending);
    }
  }

  private readonly writePending = (): void => {
    this.scheduled = false;
    const text = this.pending;
    const lines = this.pendingLines;
    this.pending = '';
    this.pendingLines = 0;
    if (text === '') return;
    if (this.broken || this.stream.destroyed) return this.countDropped(lines);
    // The lines of a write that fails are lost too: count them.
    this.stream.write(text, (error) => {
      if (!error) return;
      brokenStreams.add(this.stream);
      this.countDropped(lines);
    });
  };

  /** Resolves once queued lines are written, or after `timeoutMs` if the reader is stuck. */
  flush(timeoutMs: number): Promise<void> {
    this.writePending();
    if (this.stream.writableLength === 0 || this.stream.destroyed || this.broken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      // An empty write's callback runs once everything queued before it is written.
      this.stream.write('', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
