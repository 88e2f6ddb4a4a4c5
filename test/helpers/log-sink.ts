// A writable stream that keeps the JSON log lines an in-process server writes, so tests can read its events.
import { Writable } from 'node:stream';
import type { LogEvent } from '../../src';
import { sleep } from './probe';

/** Collects JSON log lines; pass `log` to startEchoServer(). */
export class LogSink {
  private text = '';
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.text += chunk.toString('utf8');
      done();
    },
  });
  /** startEchoServer()'s `log` option writing JSON here. */
  readonly log = { format: 'json' as const, stdout: this.stream, stderr: this.stream };

  /** Every event logged so far. */
  events(): Array<LogEvent & Record<string, unknown>> {
    return this.text
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
    throw new Error(`no ${name} event in ${this.text}`);
  }
}
