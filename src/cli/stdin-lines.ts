// --stdin: each line of standard input goes to every open connection as a text message (as `wscat --listen` does).
import type { Readable } from 'node:stream';
import { BACKPRESSURE_HIGH_WATER, STDIN_MAX_LINE_BYTES } from '../core/constants';
import type { EchoServer } from '../core/types';
import { formatBytes, previewOf } from '../log/log-format';
import type { Logger } from '../log/logger';

const NEWLINE = 0x0a;
/** How often a paused input checks whether the slow clients have caught up. */
const RESUME_CHECK_MS = 20;

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
  let parts: Buffer[] = [];
  let length = 0;
  let skipped: number | undefined; // bytes of an over-long line being skipped
  let resumeTimer: NodeJS.Timeout | undefined;

  const add = (piece: Buffer): void => {
    if (skipped !== undefined) skipped += piece.length;
    else if (length + piece.length > STDIN_MAX_LINE_BYTES) {
      skipped = length + piece.length;
      parts = [];
      length = 0;
    } else if (piece.length > 0) {
      parts.push(piece);
      length += piece.length;
    }
  };

  const endLine = (): void => {
    if (skipped !== undefined) {
      log.log({
        event: 'warning',
        message: `stdin: skipped a line of ${formatBytes(skipped)}, longer than ${formatBytes(STDIN_MAX_LINE_BYTES)}`,
      });
      skipped = undefined;
      return;
    }
    let line = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    if (line[line.length - 1] === 0x0d) line = line.subarray(0, -1); // CRLF
    const text = line.toString('utf8'); // invalid UTF-8 becomes U+FFFD, so the text message is valid
    const connections = server.broadcast(text);
    log.log({ event: 'stdin', connections, size: Buffer.byteLength(text), ...previewOf(Buffer.from(text), false) });
  };

  /** Pauses reading while a client is slow to read what it was sent, so nothing queues without bound. */
  const holdForSlowClients = (): void => {
    if (!server.clients().some((client) => client.bufferedAmount > BACKPRESSURE_HIGH_WATER)) return void input.resume();
    input.pause();
    resumeTimer = setTimeout(holdForSlowClients, RESUME_CHECK_MS);
  };

  const onData = (chunk: Buffer): void => {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      add(chunk.subarray(start, newline));
      endLine();
      start = newline + 1;
    }
    add(chunk.subarray(start));
    holdForSlowClients();
  };
  const onEnd = (): void => {
    if (length > 0) endLine(); // a last line without a newline still goes
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
