// The transcript being written: lines batched into one write per turn, and a bound the proxy waits on, never passes.
import { setImmediate } from 'node:timers';
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { EchoServerError } from '../core/errors';

/** Bytes waiting for the file past which the proxy stops reading both sides until the file catches up. */
export const TRANSCRIPT_HIGH_WATER = 1024 * 1024;

/**
 * The file a recorder writes. Unlike the log's writer it never drops a line (a transcript with holes replays wrong):
 * when more than {@link TRANSCRIPT_HIGH_WATER} bytes wait, {@link TranscriptFile.congested} is true and the proxy
 * stops reading from its sockets; `whenDrained` listeners run once the file has taken the backlog.
 */
export class TranscriptFile {
  private pending = '';
  private pendingLines = 0;
  private writingLines = 0;
  private writtenLines = 0;
  private scheduled = false;
  private readonly drainListeners = new Set<() => void>();
  private readonly failureListeners: ((error: Error) => void)[] = [];
  /** The first write error (a full disk...): nothing is written after it. */
  failure: Error | undefined;

  private constructor(private readonly stream: WriteStream) {
    stream.on('error', (error) => {
      if (this.failure) return;
      this.failure = error;
      this.pending = '';
      this.failureListeners.forEach((listener) => listener(error));
    });
  }

  /**
   * Opens `path` for writing: a new path, an empty file, or (with `overwrite`) a file to truncate; a FIFO, a device or
   * a directory is refused before opening, and so is a non-empty file without `overwrite` (a recording is not lost by
   * restarting the recorder); rejects with an {@link EchoServerError} naming the file (exit code 2).
   */
  static async open(path: string, overwrite = false): Promise<TranscriptFile> {
    const fail = (reason: string, cliReason = reason): EchoServerError =>
      new EchoServerError(
        `cannot write the transcript ${path}: ${reason}`,
        2,
        undefined,
        `cannot write the transcript ${path}: ${cliReason}`,
      );
    const existing = statSync(path, { throwIfNoEntry: false });
    if (existing && !existing.isFile()) throw fail('it is not a regular file (a FIFO, a device or a directory)');
    if (existing && existing.size > 0 && !overwrite)
      throw fail(
        `it exists (${existing.size} bytes); pass overwrite: true to replace it, or choose another out`,
        `it exists (${existing.size} bytes); pass --force to replace it, or choose another --out`,
      );
    const stream = createWriteStream(path);
    try {
      await once(stream, 'open');
    } catch (error) {
      throw fail((error as Error).message);
    }
    return new TranscriptFile(stream);
  }

  /** Runs `listener` with the first write error (a full disk...), after which the file takes nothing. */
  onFailure(listener: (error: Error) => void): void {
    this.failureListeners.push(listener);
  }

  /** Whether the proxy should stop reading until {@link TranscriptFile.whenDrained} fires (never once it failed). */
  get congested(): boolean {
    if (this.failure) return false;
    return this.stream.writableLength + this.pending.length > TRANSCRIPT_HIGH_WATER;
  }

  /** Queues one line (an object, written as JSON) for this turn's write; nothing once the file failed. */
  write(line: object): void {
    if (this.failure) return;
    this.pending += JSON.stringify(line) + '\n';
    this.pendingLines++;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.writePending);
  }

  /** Runs `listener` once, when the file is no longer congested. */
  whenDrained(listener: () => void): void {
    this.drainListeners.add(listener);
  }

  private readonly writePending = (): void => {
    this.scheduled = false;
    // After close() nothing more goes to the stream: a write after its end would be reported as a failed transcript.
    if (this.pending === '' || this.stream.destroyed || this.stream.writableEnded) return;
    const text = this.pending;
    const lines = this.pendingLines;
    this.pending = '';
    this.pendingLines = 0;
    this.writingLines += lines;
    this.stream.write(text, (error) => {
      this.writingLines -= lines;
      if (!error) this.writtenLines += lines;
      this.afterWrite();
    });
  };

  /** Lines the file has taken, and lines queued or being written. */
  lines(): { written: number; waiting: number } {
    return { written: this.writtenLines, waiting: this.pendingLines + this.writingLines };
  }

  private readonly afterWrite = (): void => {
    if (this.congested || this.drainListeners.size === 0) return;
    const listeners = [...this.drainListeners];
    this.drainListeners.clear();
    listeners.forEach((listener) => listener());
  };

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    this.writePending();
    this.stream.end();
    if (!this.stream.closed) await once(this.stream, 'close').catch(() => undefined);
  }
}
