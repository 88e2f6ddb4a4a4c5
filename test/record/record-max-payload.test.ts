// A message over the recorder's maxPayload: the recorder closes that side 1009 (ws's own close) and the other side
// 1009 with a reason naming the limit, and writes that close line (not a bare drop).
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import WebSocket, { WebSocketServer } from 'ws';
import { startRecorder } from '../../src';
import { scratchFile } from '../helpers/upstream/conversation';

const LIMIT = 64 * 1024;

describe('a recording with a message over maxPayload', () => {
  it.each([
    ['the target', 's'],
    ['the client', 'c'],
  ])(
    'from %s closes both sides 1009, the other with a reason naming the limit, and writes that',
    async (_who, from) => {
      const target = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      const targetClosed = new Promise<[number, Buffer]>((resolve) =>
        target.on('connection', (ws) => {
          ws.on('message', () => (from === 's' ? ws.send(Buffer.alloc(LIMIT + 1)) : undefined));
          ws.on('close', (code, reason) => resolve([code, reason]));
        }),
      );
      await once(target, 'listening');
      const out = scratchFile('payload.jsonl');
      const url = `ws://127.0.0.1:${(target.address() as { port: number }).port}`;
      const recorder = await startRecorder({ target: url, out, port: 0, maxPayload: LIMIT });
      try {
        const ws = new WebSocket(`${recorder.url}/big`, { maxPayload: 10 * LIMIT });
        ws.on('error', () => undefined);
        await once(ws, 'open');
        ws.send(from === 'c' ? Buffer.alloc(LIMIT + 1) : 'go');
        const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
        const [targetCode, targetReason] = await targetClosed;
        expect([code, targetCode]).toEqual([1009, 1009]);
        const other = from === 's' ? reason : targetReason;
        expect(other.toString()).toBe(`message larger than the recorder's max payload (${LIMIT} bytes)`);
      } finally {
        await recorder.close();
        target.close();
      }
      const end = JSON.parse(readFileSync(out, 'utf8').trim().split('\n').pop()!);
      expect(end).toMatchObject({ event: 'close', by: from, code: 1009, reason: expect.stringContaining(`${LIMIT}`) });
    },
  );
});
