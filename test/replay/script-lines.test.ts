// Hand-written script lines: JSON pointers a client line ignores, waits instead of recorded times, and the checks
// that stop `replay` at start naming the file and line.
import { startReplay, ReplayMismatchError } from '../../src';
import { loggingClient, OPEN, scriptFile } from './scripts';

describe('a client line with "ignore"', () => {
  it('leaves the pointed-at values out of an exact JSON match, with ~0 and ~1 escapes', async () => {
    const transcript = scriptFile(
      OPEN,
      {
        c: 1,
        from: 'c',
        t: 0,
        json: { op: 'hi', ts: 1, meta: { nonce: 'a', v: 2 }, 'a/b': 1, 'm~n': 1 },
        ignore: ['/ts', '/meta/nonce', '/a~1b', '/m~0n'],
      },
      { c: 1, from: 's', t: 0, text: 'matched' },
      { c: 1, from: 'c', t: 0, match: 'json-subset', text: '{"op":"next","at":[1,2]}', ignore: ['/at/1'] },
      { c: 1, event: 'close', by: 's', t: 0, code: 4000, reason: 'done' },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () =>
        client.ws.send(JSON.stringify({ op: 'hi', ts: 99, meta: { nonce: 'zz', v: 2 }, 'a/b': 7, 'm~n': 8 })),
      );
      await client.messagesUntil(1);
      client.ws.send(JSON.stringify({ op: 'next', at: [1, 'other'], more: true }));
      expect(await client.closed).toEqual({ code: 4000, reason: 'done' });
      await expect(replay.outcome(1)).resolves.toBeUndefined();
    } finally {
      await replay.close();
    }
  });

  it('still compares what is not ignored, and the diff says which pointers were ignored', async () => {
    const transcript = scriptFile(OPEN, { c: 1, from: 'c', t: 0, json: { op: 'hi', ts: 1 }, ignore: ['/ts'] });
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => client.ws.send('{"op":"bye","ts":2}'));
      expect((await client.closed).code).toBe(4400);
      const error = (await replay.outcome(1).catch((thrown: unknown) => thrown)) as ReplayMismatchError;
      expect(error.expected).toBe('JSON {"op":"hi","ts":1} (match: exact, ignoring /ts)');
    } finally {
      await replay.close();
    }
  });
});

describe('waits written by hand', () => {
  it('pauses the script, and recorded times after the pause count from where it ended', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 100, text: 'a' },
      { c: 1, wait: 300 },
      { c: 1, from: 's', t: 150, text: 'b' }, // 50 ms after the pause, not at once (its t is long past)
      { c: 1, from: 's', wait: 200, text: 'c' }, // no t: 200 ms after b
      { c: 1, event: 'close', by: 's', wait: 100, code: 4000 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      expect(await client.closed).toEqual({ code: 4000, reason: '' });
      const [a, b, c] = client.messages.map(({ atMs }) => atMs);
      expect(client.messages.map(({ data }) => data)).toEqual(['a', 'b', 'c']);
      expect(b - a).toBeGreaterThanOrEqual(340); // the wait's 300 and the 50 after it: lower bounds, not thresholds
      expect(c - b).toBeGreaterThanOrEqual(195);
    } finally {
      await replay.close();
    }
  });

  it('sleeps a wait beyond the timer maximum in steps, with no warning, and gives it up when the client leaves', async () => {
    const transcript = scriptFile(OPEN, { c: 1, from: 's', t: 0, text: 'a' }, { c: 1, wait: 2 ** 31 + 5000 });
    const warnings: string[] = [];
    const listener = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', listener);
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      await client.messagesUntil(1);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // more than one step of the sleep
      client.ws.close(1000);
      await client.closed;
      await expect(replay.outcome(1)).resolves.toBeUndefined(); // the wait ended with the connection, not in 24 days
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', listener);
      await replay.close();
    }
  });
});

describe('a script line replay cannot read', () => {
  it.each<[string, object, string]>([
    [
      'a pointer without its /',
      { c: 1, from: 'c', t: 0, json: {}, ignore: ['ts'] },
      '"ignore" holds "ts", not a JSON pointer',
    ],
    ['a bad ~ escape', { c: 1, from: 'c', t: 0, json: {}, ignore: ['/a~2'] }, '"ignore" holds "/a~2"'],
    [
      'ignore with a RegExp',
      { c: 1, from: 'c', t: 0, text: 'x', match: 'regexp', ignore: ['/a'] },
      '"ignore" goes on client lines matched as JSON',
    ],
    [
      'ignore on text that is not JSON',
      { c: 1, from: 'c', t: 0, text: 'x', ignore: ['/a'] },
      '"ignore" needs the line\'s message as JSON',
    ],
    ['ignore on a server line', { c: 1, from: 's', t: 0, json: {}, ignore: ['/a'] }, '"ignore" goes on client lines'],
    [
      'a wait on a client line',
      { c: 1, from: 'c', wait: 5, text: 'x' },
      '"wait" goes on server, ending or pause lines',
    ],
    ['a negative wait', { c: 1, wait: -1 }, '"wait" must be a number of ms, 0 or more, got -1'],
    [
      'a server line with neither t nor wait',
      { c: 1, from: 's', text: 'x' },
      '"t" must be a number of ms, 0 or more (or give "wait")',
    ],
    ['a pause line with more', { c: 1, wait: 5, text: 'x' }, 'a line needs "event" or "from"'],
  ])('%s', async (_name, line, error) => {
    const transcript = scriptFile(OPEN, line);
    await expect(startReplay({ transcript, port: 0 })).rejects.toThrow(`${transcript}:3: ${error}`);
  });
});
