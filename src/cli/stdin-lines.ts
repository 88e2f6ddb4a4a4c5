// --stdin: each line of standard input goes to every open connection as a text message (as `wscat --listen` does).
import { clearTimeout, setTimeout } from 'node:timers';
import type { Readable } from 'node:stream';
import { QUEUED_SEND_OVERHEAD } from '../connection/backpressure';
import { BACKPRESSURE_HIGH_WATER, STDIN_MAX_LINE_BYTES } from '../core/constants';
import type { EchoClient, EchoServer } from '../core/types';
import { formatBytes, previewOf } from '../log/log-format';
import type { Logger } from '../log/logger';

const NEWLINE = 0x0a;
/** Input kept while a client holds the lines back: reading goes on to there, so the end of input is seen. */
const HELD_INPUT_MAX = 1024 * 1024;
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

/** Sends one line (a trailing CR dropped) to every open connection as text, and logs to how many it went; false. */
function broadcastLine(line: Buffer, server: Pick<EchoServer, 'broadcast'>, log: Logger): false {
  if (line[line.length - 1] === 0x0d) line = line.subarray(0, -1); // CRLF
  const text = line.toString('utf8'); // invalid UTF-8 becomes U+FFFD, so the text message is valid
  const connections = server.broadcast(text);
  log.log({ event: 'stdin', connections, size: Buffer.byteLength(text), ...previewOf(Buffer.from(text), false) });
  return false;
}

/** Logs that a line of `bytes` was skipped for its length. */
function warnSkipped(bytes: number, log: Logger): void {
  const message = `stdin: skipped a line of ${formatBytes(bytes)}, longer than ${formatBytes(STDIN_MAX_LINE_BYTES)}`;
  log.log({ event: 'warning', message });
}

/**
 * Reads `input` line by line (LF or CRLF) and broadcasts each line as text, logging to how
 * many connections it went. Bounded: a line longer than {@link STDIN_MAX_LINE_BYTES} is
 * skipped up to its newline with a warning, and reading stops at the line that leaves a client
 * with more than {@link BACKPRESSURE_HIGH_WATER} waiting ({@link ClientQueues}) until it has read,
 * holding at most {@link HELD_INPUT_MAX} of input meanwhile. The end of input is logged when
 * it is read, even if lines before it still wait; the server keeps running. Returns a function that stops reading.
 */
export function sendStdinLines(
  input: Readable,
  server: Pick<EchoServer, 'broadcast' | 'clients'>,
  log: Logger,
): () => void {
  let resumeTimer: NodeJS.Timeout | undefined;
  /** Input read but not yet cut into lines while a client holds the lines back, oldest first. */
  const held: Buffer[] = [];
  let heldBytes = 0;
  let endSeen = false;
  const queues = new ClientQueues(server);
  const sendLine = (line: Buffer): boolean => broadcastLine(line, server, log) || queues.afterLine();
  const lines = new LineCutter(sendLine, (bytes) => warnSkipped(bytes, log));

  /** Keeps `chunk` for later; reading goes on (so the end of input is seen) until {@link HELD_INPUT_MAX} is held. */
  const hold = (chunk: Buffer, first = false): void => {
    if (first) held.unshift(chunk);
    else held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes > HELD_INPUT_MAX) input.pause();
    resumeTimer ??= setTimeout(retry, RESUME_CHECK_MS);
  };
  /** Once no client is over the bound, cuts what was held, and reads on when all of it went out. */
  const retry = (): void => {
    resumeTimer = undefined;
    if (queues.anyOver()) return void (resumeTimer = setTimeout(retry, RESUME_CHECK_MS));
    for (let chunk = held.shift(); chunk !== undefined; chunk = held.shift()) {
      heldBytes -= chunk.length;
      const rest = lines.push(chunk);
      if (rest !== undefined) return hold(rest, true);
    }
    if (endSeen) lines.end();
    else input.resume();
  };
  const onData = (chunk: Buffer): void => {
    if (held.length > 0 || resumeTimer !== undefined) return hold(chunk);
    const rest = lines.push(chunk);
    if (rest !== undefined) hold(rest);
  };
  const onEnd = (): void => {
    endSeen = true;
    if (held.length === 0 && resumeTimer === undefined) lines.end(); // else the last line goes once the rest has
    log.log({ event: 'stdin-end' });
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
