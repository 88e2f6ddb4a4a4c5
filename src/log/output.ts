// A line writer that never blocks the server and never queues without bound.
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import type { Writable } from 'node:stream';
import { LOG_HIGH_WATER } from '../core/constants';

/** Back to the start of the line and erase it (a status line about to be redrawn or replaced). */
const CLEAR_LINE = '\r\x1b[2K';

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
  /** The status line kept under the log lines on a terminal ('' when none), and whether it is on screen. */
  private status = '';
  private statusShown = false;
  /** Runs just before each batch is written (the stderr writer hides stdout's status line). */
  beforeWrite: (() => void) | undefined;

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

  /**
   * Queues `line` and a newline for this turn's write, or counts it as dropped; `always` writes it past the high water
   * mark (a milestone, logged once per run), unless the stream is broken.
   */
  write(line: string, always = false): void {
    if (always ? this.broken || this.stream.destroyed : this.congested) return this.countDropped();
    if (this.unreported > 0) {
      this.pending += this.dropNotice(this.unreported) + '\n';
      this.pendingLines++;
      this.unreported = 0;
    }
    this.pending += line + '\n';
    this.pendingLines++;
    this.schedule();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.writePending);
    }
  }

  /**
   * Keeps `text` as a status line under the log lines (a terminal only): each batch clears
   * it, writes its lines, and draws it again, so lines never land in the middle of it.
   * Undefined removes it. Cut to the terminal's width, so it never wraps.
   */
  setStatus(text: string | undefined): void {
    const columns = (this.stream as { columns?: number }).columns;
    const next = text === undefined ? '' : columns ? fitStatus(text, columns - 1) : text;
    if (next === this.status && this.statusShown === (next !== '')) return;
    if (next !== '' && this.congested) return; // a status can wait for the next second
    this.status = next;
    this.schedule();
  }

  /** Clears the status line from the screen now (another stream is about to write); the next batch draws it again. */
  hideStatus(): void {
    if (!this.statusShown || this.stream.destroyed) return;
    this.stream.write(CLEAR_LINE);
    this.statusShown = false;
    this.schedule();
  }

  private readonly writePending = (): void => {
    this.scheduled = false;
    let text = this.pending;
    const lines = this.pendingLines;
    this.pending = '';
    this.pendingLines = 0;
    const redraw = this.statusShown || this.status !== '';
    if (text === '' && !redraw) return;
    if (this.broken || this.stream.destroyed) return this.countDropped(lines);
    if (redraw) {
      text = (this.statusShown ? CLEAR_LINE : '') + text + this.status;
      this.statusShown = this.status !== '';
    }
    this.beforeWrite?.();
    if (text === '') return;
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

/**
 * `status` cut to `width` characters so it never wraps, at the last ` · ` separator that fits
 * (else the last space), so no number is cut in half; a status with neither is cut at `width`.
 */
export function fitStatus(status: string, width: number): string {
  if (status.length <= width) return status;
  const head = status.slice(0, width + 1); // a separator may start right after the last column
  const separator = head.lastIndexOf(' · ');
  if (separator > 0) return status.slice(0, separator);
  const space = head.lastIndexOf(' ');
  return space > 0 ? status.slice(0, space) : status.slice(0, width);
}
