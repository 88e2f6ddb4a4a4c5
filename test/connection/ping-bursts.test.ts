// Pings in bursts (issue 8 §3): every ping gets its pong however many arrive at once, and a
// client that floods pings without reading is paused like any non-reader, not killed.
import { once } from 'node:events';
import WebSocket from 'ws';
import { memoryOf } from '../helpers/cli';
import { closeClient, openClient } from '../helpers/clients';
import { echoMany } from '../helpers/echo-load';
import { buildFrame, Opcode, ZERO_MASK } from '../helpers/frames';
import { perTest } from '../helpers/per-test';
import { getHealth } from '../helpers/probe';
import { flood } from '../helpers/raw-client';
import { openUpgraded, portOf } from '../helpers/raw-http';

const MiB = 1024 * 1024;

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

const { serve, cliServer, defer } = perTest();

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

describe('a client that floods pings and never reads', () => {
  /**
   * Empty pings (6 bytes on the wire) make 2-byte pongs, each costing a few hundred bytes in
   * the socket's queue. Paused only by bytes (1 MiB of pongs), the server's peak RSS grew by
   * 346 MiB here; with pongs counted (paused past 1,024 unwritten, so about one read's worth
   * is held) by 36-55 MiB, mostly garbage of the pongs the kernel took before TCP pushed back.
   */
  const GROWTH_BOUND = 128 * MiB;

  it('is paused, not closed, while the server stays small and echoes to others', async () => {
    const cli = await cliServer(['--quiet']);
    const pid = cli.child.pid as number;
    const warm = await openClient(cli.url);
    await echoMany(warm, { count: 200, size: 1024, window: 20 });
    await closeClient(warm);
    const baseline = memoryOf(pid).rss;

    const { socket } = await openUpgraded(portOf(cli.url)); // paused: never reads a pong
    defer(() => socket.destroy());
    const ping = buildFrame({ opcode: Opcode.ping, mask: ZERO_MASK });
    const burst = Buffer.concat(Array.from({ length: 10_000 }, () => ping)); // 10,000 pings per write
    const flooding = flood(socket, burst, 200 * MiB, 2000);
    expect(await flooding.stuck).toBe(true); // the server stopped reading: TCP pushed back

    // Still connected (ws's own pong limit would have cut it off with no close frame), and others are served.
    expect(socket.destroyed).toBe(false);
    const other = await openClient(cli.url);
    defer(() => closeClient(other));
    expect(await echoMany(other, { count: 50, size: 16 * 1024, window: 5 })).toBe(50);
    expect((await getHealth(cli.url)).connections).toBe(2);
    const { peak, rss } = memoryOf(pid);
    if (process.env.WS_ECHO_TEST_VERBOSE) {
      process.stdout.write(
        `ping flood: ${(flooding.sent / MiB).toFixed(1)} MiB sent when stuck, peak RSS +${((peak - baseline) / MiB).toFixed(1)} MiB, now +${((rss - baseline) / MiB).toFixed(1)} MiB\n`,
      );
    }
    expect(peak - baseline).toBeLessThan(GROWTH_BOUND);
  });
});
