// Log output kept in memory, so tests can read what an in-process server (or a logger) wrote: its text, or its JSON
// events. The one place tests keep a log; json-log.ts only re-exports jsonLogInMemory for older imports.
import { Writable } from 'node:stream';
import type { LogEvent, LogFormat, LogOptions } from '../../src';
import { sleep } from './probe';

/** Collects log lines; pass `log` to startEchoServer(), or `stream` to a logger. */
export class LogSink {
  private written = '';
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.written += chunk.toString('utf8');
      done();
    },
  });

  /** Lines in `format` (JSON unless told), without colors. */
  constructor(private readonly format: LogFormat = 'json') {}

  /** startEchoServer()'s `log` option writing here. */
  get log(): LogOptions {
    return { format: this.format, color: false, stdout: this.stream, stderr: this.stream };
  }

  /** Everything written so far. */
  text(): string {
    return this.written;
  }

  /** Every event logged so far (JSON lines). */
  events(): Array<LogEvent & Record<string, unknown>> {
    return this.written
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
  }

  /** Resolves with the first event named `name` (lines are written once per event-loop turn); rejects after 5 s. */
  async next(name: LogEvent['event']): Promise<LogEvent & Record<string, unknown>> {
    for (let waited = 0; waited < 5000; waited += 10) {
      const found = this.events().find((event) => event.event === name);
      if (found) return found;
      await sleep(10);
    }
    throw new Error(`no ${name} event in ${this.written}`);
  }
}

/** Log options that write JSON lines into memory, and the events read back (without `time`). */
export function jsonLogInMemory(): { options: LogOptions; events: () => Array<Record<string, unknown>> } {
  const sink = new LogSink('json');
  return {
    options: sink.log,
    events: () => sink.events().map(({ time: _time, ...fields }) => fields),
  };
}
