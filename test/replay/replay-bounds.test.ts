// A replay to a client that never reads stays bounded: the script waits while more than 1 MiB is queued for it.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReplay } from '../../src';
import { BACKPRESSURE_HIGH_WATER } from '../../src/core/constants';
import { OPEN, scriptFile } from './scripts';

const LINE_BYTES = 512 * 1024;
/** 24 MiB in all: far more than the kernel's socket buffers on both sides take in. */
const LINES = 48;

describe('a replay whose client never reads', () => {
  it('holds the script with at most 1 MiB and one line queued for the client', async () => {
    const payload = Buffer.alloc(LINE_BYTES, 7).toString('base64');
    const transcript = scriptFile(
      OPEN,
      ...Array.from({ length: LINES }, () => ({ c: 1, from: 's', t: 0, binary: payload })),
      { c: 1, event: 'close', by: 's', t: 0, code: 4000 },
    );
    const replay = await startReplay({ transcript, port: 0, speed: 'max' });
    const socket = connect(Number(new URL(replay.url).port), '127.0.0.1');
    try {
      socket.pause(); // never reads a byte, not even the 101
      socket.write(
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      const client = await replay.nextConnection();
      let settled = false;
      void replay.outcome(client).then(
        () => (settled = true),
        () => (settled = true),
      );
      let most = 0;
      for (let sample = 0; sample < 150; sample++) {
        most = Math.max(most, client.bufferedAmount);
        await sleep(20);
      }
      expect(most).toBeGreaterThan(BACKPRESSURE_HIGH_WATER / 2); // the kernel's buffers are full: it did stall
      expect(most).toBeLessThanOrEqual(BACKPRESSURE_HIGH_WATER + LINE_BYTES + 64);
      expect(settled).toBe(false); // the script is held, not finished into a queue
      expect(client.isOpen).toBe(true);
    } finally {
      socket.destroy();
      await replay.close();
    }
  });
});
