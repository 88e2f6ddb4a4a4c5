// `set` lines that shape server lines: `fragment` splits them and `throttle` paces them (the connection's fault queue),
// while `delay` is waited once, by the player, not a second time by the queue.
import { startReplay } from '../../src';
import { Opcode } from '../helpers/wire/frames';
import { openRawClient } from '../helpers/wire/raw-client';
import { loggingClient, OPEN, scriptFile } from './scripts';

const portOf = (url: string): number => Number(new URL(url).port);

describe('a set line shapes the server lines after it', () => {
  it('fragment: a server line goes in frames of that size', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, set: { fragment: 2 } },
      { c: 1, from: 's', t: 0, text: 'abcde' },
      { c: 1, event: 'close', by: 's', t: 0, code: 4000 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const raw = await openRawClient(portOf(replay.url));
      const frames = [await raw.nextFrame(), await raw.nextFrame(), await raw.nextFrame()];
      expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
        [Opcode.text, false, 'ab'],
        [Opcode.continuation, false, 'cd'],
        [Opcode.continuation, true, 'e'],
      ]);
      expect((await raw.nextClose()).code).toBe(4000);
      raw.destroy();
    } finally {
      await replay.close();
    }
  });

  it('throttle: a 60-byte server line at 200 bytes/s takes at least 300 ms', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 0, text: 'a' },
      { c: 1, from: 's', t: 0, text: 'x'.repeat(60), set: { throttle: 200 } },
      { c: 1, event: 'close', by: 'c', t: 0 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      await client.messagesUntil(2);
      const [a, b] = client.messages.map(({ atMs }) => atMs);
      expect(b - a).toBeGreaterThanOrEqual(295);
      client.ws.close();
      await client.closed;
    } finally {
      await replay.close();
    }
  });

  it('delay: a server line waits the delay once, not once in the player and again in the fault queue', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 0, text: 'a' },
      { c: 1, from: 's', t: 0, text: 'b', set: { delay: 400, fragment: 1 } },
      { c: 1, event: 'close', by: 'c', t: 0 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      await client.messagesUntil(2);
      const [a, b] = client.messages.map(({ atMs }) => atMs);
      expect(b - a).toBeGreaterThanOrEqual(395);
      expect(b - a).toBeLessThan(790); // twice the delay would be 800
      client.ws.close();
      await client.closed;
    } finally {
      await replay.close();
    }
  });
});
