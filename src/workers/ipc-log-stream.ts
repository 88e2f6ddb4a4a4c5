// The worker's side of its logs: a stream whose writes become log messages to the primary.
import { Writable } from 'node:stream';
import type { FromWorker } from './messages';

/**
 * A stream for a worker's logger: each write (one batch of whole lines, as the logger's
 * `LineWriter` makes them) is sent to the primary as one message. A write completes
 * only once its message is handed to the IPC channel, so `writableLength` counts what the
 * primary has not taken yet, and the logger's own bound (drop and count past it) applies to
 * this channel as it does to a pipe.
 */
export function ipcLogStream(
  stream: 'out' | 'err',
  send: (message: FromWorker, done: (error: Error | null) => void) => void,
): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const text = chunk.toString();
      if (text === '') return done(); // the logger's flush marker
      send({ type: 'log', stream, text }, done);
    },
  });
}
