// Pings in bursts: every ping gets its pong, in order, however many arrive at once (ws alone would cut a client off
// with no close frame past 60 pongs not yet written). A client that floods pings and never reads is held by the bound
// on waiting echoes (bounds/waiting-echoes.test.ts).
import { once } from 'node:events';
import WebSocket from 'ws';
import { closeClient, openClient } from '../helpers/clients';
import { perTest } from '../helpers/per-test';

/** Sends `count` pings in one synchronous loop, then a text message; resolves with the pongs and the echo. */
async function pingBurst(ws: WebSocket, count: number): Promise<{ pongs: string[]; echo: string }> {
  const pongs: string[] = [];
  ws.on('pong', (data: Buffer) => pongs.push(data.toString()));
  for (let i = 0; i < count; i++) ws.ping(String(i));
  ws.send('after the pings');
  const [echo] = (await once(ws, 'message')) as [Buffer];
  // Pongs come before the echo (they were sent first); wait for any still in flight.
  while (pongs.length < count && ws.readyState === WebSocket.OPEN)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return { pongs, echo: echo.toString() };
}

const { serve, defer } = perTest();

describe('a burst of pings from a ws client', () => {
  it.each([100, 10_000])(
    'gets all %i pongs, in order, and its message echoed; the connection stays open',
    async (count) => {
      const server = await serve();
      const ws = await openClient(server.url);
      defer(() => closeClient(ws));
      const closed = once(ws, 'close');
      const { pongs, echo } = await pingBurst(ws, count);
      expect(pongs).toHaveLength(count);
      expect(pongs).toEqual(Array.from({ length: count }, (_, i) => String(i)));
      expect(echo).toBe('after the pings');
      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close(1000);
      const [code] = (await closed) as [number];
      expect(code).toBe(1000);
      expect(server.stats().protocolErrors).toBe(0);
    },
  );
});
