// --stdin: each line of standard input goes to every open connection as a text message (as `wscat --listen` does).
import type { Readable } from 'node:stream';
import { QUEUED_SEND_OVERHEAD } from '../connection/backpressure';
import { BACKPRESSURE_HIGH_WATER, STDIN_MAX_LINE_BYTES } from '../core/constants';
import type { EchoClient, EchoServer } from '../core/types';
import { formatBytes, previewOf } from '../log/log-format';
import type { Logger } from '../log/logger';

const NEWLINE = 0x0a;
/** How often a paused input checks whether the slow clients have caught up. */
const RESUME_CHECK_MS = 20;

const NOTHING_LEFT = Buffer.alloc(0);

/**
 * Cuts chunks into lines at LF, bounded: a line longer than {@link STDIN_MAX_LINE_BYTES} is skipped to its newline.
 * It stops after any line its `onLine` says is one too many, and hands back the rest of the chunk.
 */
class LineCutter {
  private parts: Buffer[] = [];
  private length = 0;
  /** Bytes of an over-long line being skipped. */
  private skipped: number | undefined;

  /**
   * @param onLine gets each whole line, without its LF; true stops the cutting after it
   * @param onSkipped gets the size of each line skipped for its length
   */
  constructor(
    private readonly onLine: (line: Buffer) => boolean,
    private readonly onSkipped: (bytes: number) => void,
  ) {}

  /** Takes one chunk of input; returns what is left of it if `onLine` stopped the cutting (undefined: all taken). */
  push(chunk: Buffer): Buffer | undefined {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.add(chunk.subarray(start, newline));
      start = newline + 1;
      if (this.endLine()) return start < chunk.length ? chunk.subarray(start) : NOTHING_LEFT;
    }
    this.add(chunk.subarray(start));
    return undefined;
  }

  /** The input ended: a last line without a newline still counts. */
  end(): void {
    if (this.length > 0) this.endLine();
  }

  private add(piece: Buffer): void {
    if (this.skipped !== undefined) this.skipped += piece.length;
    else if (this.length + piece.length > STDIN_MAX_LINE_BYTES) {
      this.skipped = this.length + piece.length;
      this.parts = [];
      this.length = 0;
    } else if (piece.length > 0) {
      this.parts.push(piece);
      this.length += piece.length;
    }
  }

  private endLine(): boolean {
    if (this.skipped !== undefined) {
      this.onSkipped(this.skipped);
      this.skipped = undefined;
      return false;
    }
    const line = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    return this.onLine(line);
  }
}

/**
 * What waits for each client: its unwritten bytes, plus {@link QUEUED_SEND_OVERHEAD} for every line sent to it since
 * its queue was last seen empty (Node's write queue entries and ws's frame header cost more than a short line's
 * bytes: counted by bytes alone, a flood of short lines queued 100 MiB and more for one client that does not read).
 */
class ClientQueues {
  private readonly linesSinceEmpty = new WeakMap<EchoClient, number>();

  constructor(private readonly server: Pick<EchoServer, 'clients'>) {}

  /** After a line went to every open client: whether one of them now has more than the bound waiting. */
  afterLine(): boolean {
    return this.over(1);
  }

  /** Whether a client still has more than the bound waiting. */
  anyOver(): boolean {
    return this.over(0);
  }

  private over(added: number): boolean {
    let over = false;
    for (const client of this.server.clients()) {
      const bytes = client.bufferedAmount;
      const lines = bytes === 0 ? 0 : (this.linesSinceEmpty.get(client) ?? 0) + added;
      this.linesSinceEmpty.set(client, lines);
      if (bytes + lines * QUEUED_SEND_OVERHEAD > BACKPRESSURE_HIGH_WATER) over = true;
    }
    return over;
  }
}

/** Sends one line (a trailing CR dropped) to every open connection as text, and logs to how many it went. */
function broadcastLine(line: Buffer, server: Pick<EchoServer, 'broadcast'>, log: Logger): void {
  if (line[line.length - 1] === 0x0d) line = line.subarray(0, -1); // CRLF
  const text = line.toString('utf8'); // invalid UTF-8 becomes U+FFFD, so the text message is valid
  const connections = server.broadcast(text);
  log.log({ event: 'stdin', connections, size: Buffer.byteLength(text), ...previewOf(Buffer.from(text), false) });
}

/**
 * Reads `input` line by line (LF or CRLF) and broadcasts each line as text, logging to how
 * many connections it went. Bounded: a line longer than {@link STDIN_MAX_LINE_BYTES} is
 * skipped up to its newline with a warning, and reading stops at the line that leaves a client
 * with more than {@link BACKPRESSURE_HIGH_WATER} waiting ({@link ClientQueues}) until it has read.
 * The end of input is logged; the server keeps running. Returns a function that stops reading.
 */
export function sendStdinLines(
  input: Readable,
  server: Pick<EchoServer, 'broadcast' | 'clients'>,
  log: Logger,
): () => void {
  let resumeTimer: NodeJS.Timeout | undefined;
  /** Input not yet cut into lines, held while a client has more than the bound waiting; and whether input ended. */
  let held: Buffer | undefined;
  let endHeld = false;
  const queues = new ClientQueues(server);
  const skipped = (bytes: number): void =>
    log.log({
      event: 'warning',
      message: `stdin: skipped a line of ${formatBytes(bytes)}, longer than ${formatBytes(STDIN_MAX_LINE_BYTES)}`,
    });
  const lines = new LineCutter((line) => {
    broadcastLine(line, server, log);
    return queues.afterLine();
  }, skipped);
  const ended = (): void => {
    lines.end();
    log.log({ event: 'stdin-end' });
  };

  /** Cuts `chunk` into lines; stops at a line that leaves a client over the bound, holding the rest until it reads. */
  const take = (chunk: Buffer): void => {
    held = lines.push(chunk);
    if (held !== undefined) {
      input.pause();
      resumeTimer = setTimeout(retry, RESUME_CHECK_MS);
    } else if (endHeld) {
      endHeld = false;
      ended();
    } else input.resume();
  };
  const retry = (): void => {
    if (queues.anyOver()) resumeTimer = setTimeout(retry, RESUME_CHECK_MS);
    else take(held as Buffer);
  };

  const onData = (chunk: Buffer): void => take(chunk);
  const onEnd = (): void => {
    if (held === undefined) ended();
    else endHeld = true;
  };
  const onError = (error: Error): void =>
    log.log({ event: 'warning', message: `stdin: ${error.message}; no more lines are sent` });

  input.on('data', onData);
  input.once('end', onEnd);
  input.on('error', onError);
  return () => {
    clearTimeout(resumeTimer);
    input.off('data', onData);
    input.off('end', onEnd);
    input.pause();
  };
}
