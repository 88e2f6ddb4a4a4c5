// While a replay plays (second round): rules' answers bounded, prototypes untouched, endings and failures reported.
import { setTimeout as sleep } from 'node:timers/promises';
import { startReplay } from '../../src';
import { BACKPRESSURE_HIGH_WATER } from '../../src/core/constants';
import { Opcode } from '../helpers/wire/frames';
import { openRawClient } from '../helpers/wire/raw-client';
import { OPEN, scriptFile } from './scripts';

const REPLY_BYTES = 200 * 1024;

describe("a script's rule answering a client that never reads", () => {
  it('stops reading the client past 1 MiB unwritten, and resumes once it reads: every answer comes', async () => {
    const count = 60;
    const transcript = scriptFile(
      { c: '*', rule: { match: '^hb', reply: 'r'.repeat(REPLY_BYTES) } },
      OPEN,
      { c: 1, wait: 1e9 },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = await openRawClient(Number(new URL(replay.url).port));
      client.socket.pause(); // reads nothing: every answer waits in the server
      const server = await replay.nextConnection();
      const heartbeat = { opcode: Opcode.text, payload: 'hb'.padEnd(16 * 1024, '.') };
      for (let i = 0; i < count; i++) await client.sendFrame(heartbeat);
      await sleep(500); // the server reads what it will
      expect(server.paused).toBe(true);
      expect(server.bufferedAmount).toBeLessThan(BACKPRESSURE_HIGH_WATER + 8 * REPLY_BYTES);
      client.socket.resume();
      for (let i = 0; i < count; i++) expect((await client.nextFrame()).payload.length).toBe(REPLY_BYTES);
      expect(server.paused).toBe(false);
      client.destroy();
    } finally {
      await replay.close();
    }
  });
});
