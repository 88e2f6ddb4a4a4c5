// Frames on replay: server pings sent (their pongs never awaited), pongs and client pings skipped, `frames` checked
// and a server line sent in its recorded frames.
import { startReplay } from '../../src';
import { Opcode } from '../helpers/wire/frames';
import { openRawClient } from '../helpers/wire/raw-client';
import { OPEN, scriptFile } from './scripts';

const portOf = (url: string): number => Number(new URL(url).port);

describe('ping and pong lines', () => {
  it('sends a server ping without waiting for its pong, skips server pongs and client pings and pongs, sends frames', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 0, ping: Buffer.from('hb').toString('base64') },
      { c: 1, from: 'c', t: 0, pong: Buffer.from('hb').toString('base64') }, // not awaited
      { c: 1, from: 'c', t: 0, ping: '' }, // not awaited
      { c: 1, from: 's', t: 0, pong: '' }, // skipped: the server answers pings itself
      { c: 1, from: 's', t: 0, text: 'after', frames: [2, 2, 1] },
      { c: 1, event: 'close', by: 's', t: 0, code: 4000, reason: 'done' },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const raw = await openRawClient(portOf(replay.url)); // answers nothing: no pong comes back
      const ping = await raw.nextFrame();
      expect([ping.opcode, ping.payload.toString()]).toEqual([Opcode.ping, 'hb']);
      const frames = [await raw.nextFrame(), await raw.nextFrame(), await raw.nextFrame()]; // the recorded frames
      expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
        [Opcode.text, false, 'af'],
        [Opcode.continuation, false, 'te'],
        [Opcode.continuation, true, 'r'],
      ]);
      expect(await raw.nextClose()).toEqual({ code: 4000, reason: Buffer.from('done') });
      raw.destroy(); // no close frame back: the server need not wait for one
      await expect(replay.outcome(1)).resolves.toBeUndefined();
    } finally {
      await replay.close();
    }
  });

  it('does not hold the script on a ping the client never answers', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 0, ping: '' },
      { c: 1, from: 's', t: 0, text: 'next' },
      { c: 1, event: 'close', by: 's', t: 0, code: 4000 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const raw = await openRawClient(portOf(replay.url));
      expect((await raw.nextFrame()).opcode).toBe(Opcode.ping);
      expect((await raw.nextFrame()).payload.toString()).toBe('next');
      expect((await raw.nextClose()).code).toBe(4000);
      raw.destroy();
    } finally {
      await replay.close();
    }
  });
});

describe('a frame line replay cannot read', () => {
  it.each<[string, object, string]>([
    [
      'frames not adding up',
      { c: 1, from: 's', t: 0, text: 'abc', frames: [1, 1] },
      '"frames" add up to 2 bytes, but the payload is 3',
    ],
    [
      'frames of bytes, not text',
      { c: 1, from: 's', t: 0, binary: 'AAE=', frames: [1, 2] },
      '"frames" add up to 3 bytes, but the payload is 2',
    ],
    [
      'frames that are not numbers',
      { c: 1, from: 's', t: 0, text: 'ab', frames: ['a'] },
      '"frames" must be an array of whole numbers',
    ],
    ['frames on JSON', { c: 1, from: 's', t: 0, json: {}, frames: [2] }, '"frames" goes with "text" or "binary"'],
    [
      'two bodies',
      { c: 1, from: 's', t: 0, text: 'a', ping: '' },
      'a message has exactly one of "text", "binary", "json", "ping", "pong"',
    ],
    [
      'a ping over 125 bytes',
      { c: 1, from: 's', t: 0, ping: Buffer.alloc(126).toString('base64') },
      '"ping" payload must be at most 125 bytes',
    ],
    [
      'a pong with match',
      { c: 1, from: 'c', t: 0, pong: '', match: 'exact' },
      'a pong line has no "match", "frames" or "ignore"',
    ],
  ])('%s', async (_name, line, error) => {
    const transcript = scriptFile(OPEN, line);
    await expect(startReplay({ transcript, port: 0 })).rejects.toThrow(`${transcript}:3: ${error}`);
  });
});
