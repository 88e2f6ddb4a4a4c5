// `set` lines: ws-echo's per-connection behaviours on a replayed connection, names checked when the file is read.
import { startReplay } from '../../src';
import { loggingClient, OPEN, scriptFile } from './scripts';

describe('a set line', () => {
  it('delays the server lines after it by the delay it sets', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 0, text: 'a' },
      { c: 1, set: { delay: 300 } },
      { c: 1, from: 's', t: 0, text: 'b' },
      { c: 1, from: 's', t: 0, text: 'c', set: { delay: 0 } },
      { c: 1, event: 'close', by: 's', t: 0, code: 4000 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      await client.closed;
      const [a, b, c] = client.messages.map(({ atMs }) => atMs);
      expect(client.messages.map(({ data }) => data)).toEqual(['a', 'b', 'c']);
      expect(b - a).toBeGreaterThanOrEqual(295); // a lower bound: the delay is not skipped
      expect(c - b).toBeLessThan(295); // set back to 0 on c's own line
    } finally {
      await replay.close();
    }
  });

  it.each<[string, object, { code: number; reason: string }, string[]]>([
    ['dropAfter counts server lines', { dropAfter: 2 }, { code: 1006, reason: '' }, ['a', 'b']],
    [
      'closeAfter with its code and reason',
      { closeAfter: 1, closeCode: 4005, closeReason: 'set' },
      { code: 4005, reason: 'set' },
      ['a'],
    ],
    ['closeAfter 0 closes at once', { closeAfter: 0 }, { code: 1000, reason: '' }, []],
  ])('%s', async (_name, set, close, seen) => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, set },
      ...['a', 'b', 'c'].map((text) => ({ c: 1, from: 's', t: 0, text })),
      { c: 1, event: 'close', by: 'c', t: 0 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      expect(await client.closed).toEqual(close);
      expect(client.messages.map(({ data }) => data)).toEqual(seen);
    } finally {
      await replay.close();
    }
  });

  it("noPong leaves the client's pings unanswered", async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 0, text: 'a', set: { noPong: true } },
      { c: 1, from: 'c', t: 0, text: 'done' },
      { c: 1, event: 'close', by: 's', t: 0, code: 4000 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      let pongs = 0;
      client.ws.on('pong', () => pongs++);
      await client.messagesUntil(1);
      client.ws.ping('p');
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.ws.send('done');
      await client.closed;
      expect(pongs).toBe(0);
    } finally {
      await replay.close();
    }
  });

  it.each<[string, object, string]>([
    ['an unknown name', { delai: 5 }, '"set": unknown behaviour "delai" (did you mean delay?); settable: delay, '],
    ['a URL name', { 'drop-after': 1 }, '"set": unknown behaviour "drop-after"'],
    ['a name fixed at the handshake', { mode: 'forever' }, '"set": mode is chosen at the handshake'],
    ['a bad value', { fragment: 0 }, '"set": fragment must be'],
  ])('refuses %s at start, naming the line and the settable names', async (_name, set, error) => {
    const transcript = scriptFile(OPEN, { c: 1, set });
    await expect(startReplay({ transcript, port: 0 })).rejects.toThrow(`${transcript}:3: ${error}`);
  });

  it('is refused on a line of the wrong shape too', async () => {
    const transcript = scriptFile(OPEN, { c: 1, from: 's', t: 0, text: 'a', set: 'delay=5' });
    await expect(startReplay({ transcript, port: 0 })).rejects.toThrow(
      `${transcript}:3: "set" must be an object of behaviours such as {"delay": 100}, got "delay=5"`,
    );
  });
});
