// What a recording costs when the client never reads: the proxy stops reading the target instead of buffering it.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { startRecorder } from '../../src';
import { waitUntil } from '../helpers/probe';
import { scratchFile } from '../helpers/upstream/conversation';

const MESSAGE = Buffer.alloc(64 * 1024, 7);
/** What the flooding target would send in all: far more than the proxy may hold. */
const FLOOD_TOTAL = 64 * 1024 * 1024;
/** Bytes queued in the target's own socket that show nobody is reading it. */
const STALLED = 8 * 1024 * 1024;

/**
 * Sends one MESSAGE per event-loop turn while fewer than STALLED bytes wait in the target's own queue (a reader that
 * keeps up never lets them pile up there), until FLOOD_TOTAL bytes are handed to its socket; counts those.
 */
function flood(ws: WebSocket, written: { bytes: number }): void {
  const more = (): void => {
    if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > STALLED || written.bytes >= FLOOD_TOTAL) return;
    ws.send(MESSAGE, { binary: true }, (error) => (written.bytes += error ? 0 : MESSAGE.length));
    setImmediate(more);
  };
  more();
}

describe('a recording whose client never reads', () => {
  it('stops reading the target: the target stalls instead of the proxy holding what it sends', async () => {
    const written = { bytes: 0 };
    let target: WebSocket | undefined;
    const upstream = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    upstream.on('connection', (ws) => flood((target = ws), written));
    await once(upstream, 'listening');
    const { port } = upstream.address() as { port: number };
    const recorder = await startRecorder({
      target: `ws://127.0.0.1:${port}`,
      out: scratchFile('flood.jsonl'),
      port: 0,
    });
    let client: Socket | undefined;
    try {
      client = connect(recorder.port, '127.0.0.1');
      client.write(
        'GET /flood HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      client.pause(); // never reads a byte
      await waitUntil(() => (target?.bufferedAmount ?? 0) > STALLED || written.bytes >= FLOOD_TOTAL, 120_000);
      expect(target!.bufferedAmount).toBeGreaterThan(STALLED);
      expect(written.bytes).toBeLessThan(FLOOD_TOTAL / 4);
    } finally {
      client?.destroy();
      target?.terminate();
      await recorder.close();
      upstream.close();
    }
  });
});
