// What a replay does after the script's last line: close as recorded, stay open, or play it again.
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startReplay, type ReplayEnd } from '../../src';
import { scratchFile } from '../helpers/upstream/conversation';

/** A script: the server says 'a', waits for any message, says 'b', then closes with 4003. */
function script(): string {
  const file = scratchFile('end.jsonl');
  const lines = [
    { 'ws-echo': 'transcript', version: 1, recorded: '2026-12-06T00:00:00.000Z', target: 'ws://x/' },
    { c: 1, event: 'open', path: '/', protocol: '', extensions: '', headers: {}, at: '' },
    { c: 1, from: 's', t: 0, text: 'a' },
    { c: 1, from: 'c', t: 1, match: 'any' },
    { c: 1, from: 's', t: 2, text: 'b' },
    { c: 1, event: 'close', by: 's', t: 3, code: 4003, reason: 'end of script' },
  ];
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
  return file;
}

/** A client that answers every 'a' with 'x' (listening before the open: the script's first line comes with it). */
function talker(url: string) {
  const ws = new WebSocket(url);
  const texts: string[] = [];
  let wanted = { count: Infinity, then: () => {} };
  ws.on('message', (data) => {
    texts.push(String(data));
    if (String(data) === 'a') ws.send('x');
    if (texts.length === wanted.count) wanted.then();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const messages = (count: number) =>
    new Promise<string[]>((resolve) => (wanted = { count, then: () => resolve(texts.slice(0, count)) }));
  return { ws, closed, messages };
}

describe.each<[ReplayEnd, string]>([
  ['close', 'closes as recorded'],
  ['stay-open', 'stays open after the last message, until the client closes'],
  ['loop', 'plays the script again for as long as the client stays'],
])('--replay-end %s', (end, what) => {
  it(what, async () => {
    const replay = await startReplay({ transcript: script(), port: 0, speed: 'max', end });
    const client = talker(replay.url);
    try {
      const texts = await client.messages(end === 'loop' ? 6 : 2);
      expect(texts).toEqual(end === 'loop' ? ['a', 'b', 'a', 'b', 'a', 'b'] : ['a', 'b']);
      if (end === 'close') return expect(await client.closed).toEqual({ code: 4003, reason: 'end of script' });
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
      client.ws.close(4999, 'client done');
      expect(await client.closed).toEqual({ code: 4999, reason: 'client done' });
      await expect(replay.outcome(1)).resolves.toBeUndefined();
    } finally {
      client.ws.terminate();
      await replay.close();
    }
  });
});
