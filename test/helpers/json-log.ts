// A JSON log kept in memory, to compare the API's events with the log lines field for field.
import { Writable } from 'node:stream';
import type { LogOptions } from '../../src';

/** Log options that write JSON lines into memory, and the events read back (without `time`). */
export function jsonLogInMemory(): { options: LogOptions; events: () => Array<Record<string, unknown>> } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return {
    options: { format: 'json', stdout: stream, stderr: stream },
    events: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const { time: _time, ...fields } = JSON.parse(line) as Record<string, unknown>;
          return fields;
        }),
  };
}
