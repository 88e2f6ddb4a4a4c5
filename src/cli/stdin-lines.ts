// --stdin: each line of standard input goes to every open connection as a text message (as `wscat --listen` does).
import type { Readable } from 'node:stream';
import { BACKPRESSURE_HIGH_WATER, STDIN_MAX_LINE_BYTES } from '../core/constants';
import type { EchoServer } from '../core/types';
import { formatBytes, previewOf } from '../log/log-format';
import type { Logger } from '../log/logger';

const NEWLINE = 0x0a;
/** How often a paused input checks whether the slow clients have caught up. */
const RESUME_CHECK_MS = 20;

/** Cuts chunks into lines at LF, bounded: a line longer than {@link STDIN_MAX_LINE_BYTES} is skipped to its newline. */
class LineCutter {
  private parts: Buffer[] = [];
  private length = 0;
  /** Bytes of an over-long line being skipped. */
  private skipped: number | undefined;

  /**
   * @param onLine gets each whole line, without its LF
   * @param onSkipped gets the size of each line skipped for its length
   */
  constructor(
    private readonly onLine: (line: Buffer) => void,
    private readonly onSkipped: (bytes: number) => void,
  ) {}

  /** Takes one chunk of input. */
  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.add(chunk.subarray(start, newline));
      this.endLine();
      start = newline + 1;
    }
    this.add(chunk.subarray(start));
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

  private endLine(): void {
    if (this.skipped !== undefined) {
      this.onSkipped(this.skipped);
      this.skipped = undefined;
      return;
    }
    const line = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    this.onLine(line);
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
 * skipped up to its newline with a warning, and reading pauses while any client has more
 * than {@link BACKPRESSURE_HIGH_WATER} bytes waiting. The end of input is logged; the server
 * keeps running. Returns a function that stops reading.
 */
export function sendStdinLines(
  input: Readable,
  server: Pick<EchoServer, 'broadcast' | 'clients'>,
  log: Logger,
): () => void {
  let resumeTimer: NodeJS.Timeout | undefined;
  const skipped = (bytes: number): void =>
    log.log({
      event: 'warning',
      message: `stdin: skipped a line of ${formatBytes(bytes)}, longer than ${formatBytes(STDIN_MAX_LINE_BYTES)}`,
    });
  const lines = new LineCutter((line) => broadcastLine(line, server, log), skipped);

  /** Pauses reading while a client is slow to read what it was sent, so nothing queues without bound. */
  const holdForSlowClients = (): void => {
    if (!server.clients().some((client) => client.bufferedAmount > BACKPRESSURE_HIGH_WATER)) return void input.resume();
    input.pause();
    resumeTimer = setTimeout(holdForSlowClients, RESUME_CHECK_MS);
  };

  const onData = (chunk: Buffer): void => {
    lines.push(chunk);
    holdForSlowClients();
  };
  const onEnd = (): void => {
    lines.end();
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
