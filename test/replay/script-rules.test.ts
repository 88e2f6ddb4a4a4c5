// Rules in a script answer at any point (heartbeats): a message a rule takes is answered and never reaches the script.
import { startReplay } from '../../src';
import { loggingClient, OPEN, scriptFile } from './scripts';

/** Heartbeats: any connection's `{"type":"ping"}` gets `{"type":"pong"}` with its `n`. */
const HEARTBEAT = { c: '*', rule: { when: { type: 'ping', n: '$n' }, reply: { type: 'pong', n: '$n' } } };

describe('a rule line', () => {
  it('answers heartbeats sent at random points while the script matches its own lines', async () => {
    const transcript = scriptFile(
      HEARTBEAT, // before the open: rules apply from the open wherever they are written
      OPEN,
      { c: 1, from: 'c', t: 0, match: 'json-subset', json: { op: 'hello', id: '$id' } },
      { c: 1, from: 's', t: 50, json: { op: 'welcome', id: '$id' } },
      { c: 1, from: 's', t: 150, text: 'tick' },
      { c: 1, from: 'c', t: 200, text: 'tock' },
      { c: 1, from: 's', t: 300, text: 'last' },
      { c: 1, event: 'close', by: 's', t: 350, code: 4000, reason: 'done' },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      let sent = 0;
      const beat = (): void => {
        if (client.ws.readyState !== client.ws.OPEN) return;
        client.ws.send(JSON.stringify({ type: 'ping', n: ++sent }));
        setTimeout(beat, Math.random() * 30);
      };
      client.ws.once('open', () => {
        beat();
        client.ws.send(JSON.stringify({ op: 'hello', id: 9 }));
        beat();
      });
      client.ws.on('message', (data) => String(data) === 'tick' && client.ws.send('tock'));
      expect(await client.closed).toEqual({ code: 4000, reason: 'done' });
      await expect(replay.outcome(1)).resolves.toBeUndefined();
      const pongs = client.messages.filter(({ data }) => data.startsWith('{"type":"pong"'));
      const script = client.messages.filter(({ data }) => !data.startsWith('{"type":"pong"'));
      expect(script.map(({ data }) => data)).toEqual(['{"op":"welcome","id":9}', 'tick', 'last']);
      expect(sent).toBeGreaterThan(5);
      expect(pongs.map(({ data }) => JSON.parse(data).n)).toEqual(
        Array.from({ length: pongs.length }, (_, index) => index + 1),
      );
      expect(pongs.length).toBeGreaterThanOrEqual(sent - 1); // the last ping may cross the close
    } finally {
      await replay.close();
    }
  });

  it('with times answers only that many, and later ones go to the script; match and flags as in --rules', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, rule: { match: '^HB (?<n>\\d+)$', flags: 'i', reply: 'ack $n', times: 2 } },
      { c: 1, from: 'c', t: 0, text: 'hb 3' },
      { c: 1, from: 's', t: 0, text: 'third went to the script' },
      { c: 1, event: 'close', by: 's', t: 0, code: 4000 },
    );
    const replay = await startReplay({ transcript, port: 0, speed: 'max' });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => ['hb 1', 'hb 2', 'hb 3'].forEach((text) => client.ws.send(text)));
      await client.closed;
      expect(client.messages.map(({ data }) => data)).toEqual(['ack 1', 'ack 2', 'third went to the script']);
      await expect(replay.outcome(1)).resolves.toBeUndefined();
    } finally {
      await replay.close();
    }
  });

  it('closes as its rule says, and the script ends there without a mismatch', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, rule: { when: 'quit', reply: 'bye', close: [4100, 'asked to'] } },
      { c: 1, from: 'c', t: 0, match: 'any' },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => client.ws.send('quit'));
      expect(await client.closed).toEqual({ code: 4100, reason: 'asked to' });
      expect(client.messages.map(({ data }) => data)).toEqual(['bye']);
      await expect(replay.outcome(1)).resolves.toBeUndefined(); // the script ends there, no mismatch
    } finally {
      await replay.close();
    }
  });

  it.each<[string, object, string]>([
    ['echo', { c: 1, rule: { when: 'a', echo: true } }, '"rule": "echo" has no place in a script\'s rule'],
    ['an unknown key', { c: 1, rule: { when: 'a', answer: 'b' } }, '"rule": unknown key "answer"'],
    ['a bad close code', { c: 1, rule: { when: 'a', close: [1005] } }, '"rule": close code must be'],
    ['an unknown capture', { c: 1, rule: { when: 'a', reply: '$x' } }, '"rule": an answer uses $x'],
    ['a bad c', { c: 0, rule: { when: 'a' } }, '"c" of a rule line must be a connection number or "*"'],
    [
      'a connection with no open',
      { c: 2, rule: { when: 'a', reply: 'b' } },
      'a rule for connection 2, which has no open line',
    ],
  ])('refuses %s at start, naming the line', async (_name, line, error) => {
    const transcript = scriptFile(OPEN, line);
    await expect(startReplay({ transcript, port: 0 })).rejects.toThrow(`${transcript}:3: ${error}`);
  });
});
