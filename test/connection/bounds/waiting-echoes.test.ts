// A client that does not read stops being read once about 1 MiB of echoes wait for it (README "What one client can
// cost"), whatever the echoes are: empty ones (counted, not just their bytes), compressed ones, delayed ones, or the
// pongs of a ping flood; the server stays small, keeps the client open, and serves the others meanwhile.
import type { Socket } from 'node:net';
import { memoryOf, rssSettled } from '../../helpers/processes/cli';
import { closeClient, openClient } from '../../helpers/clients';
import { compressMessage, noise } from '../../helpers/wire/deflate-frames';
import { echoMany, warmedRss } from '../../helpers/echo-load';
import { buildFrame, frameHeader, Opcode, ZERO_MASK } from '../../helpers/wire/frames';
import { perTest } from '../../helpers/per-test';
import { parsePrometheusText, valueOf } from '../../helpers/prom-text';
import { getHealth, sleep } from '../../helpers/probe';
import { flood } from '../../helpers/wire/raw-client';
import { openUpgraded, portOf, type UpgradeRequest } from '../../helpers/wire/raw-http';

const MiB = 1024 * 1024;
/** No 'drain' for this long means the server stopped reading. */
const STALL_MS = 2000;

const { cliServer, client, defer } = perTest();

/** `count` masked frames of `opcode` with `size`-byte payloads, as one buffer. */
function frames(opcode: number, size: number, count: number): Buffer {
  const one = Buffer.concat([frameHeader({ opcode }, size, ZERO_MASK), Buffer.alloc(size, 0x61)]);
  return Buffer.concat(Array.from({ length: count }, () => one));
}

/**
 * Writes `batch` to `socket` until `total` bytes are written or `ms` have passed, waiting whenever the server stops
 * taking them.
 */
async function floodFor(socket: Socket, batch: Buffer, total: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let written = 0;
  while (written < total && Date.now() < deadline) {
    if (socket.writableLength < MiB) {
      socket.write(batch);
      written += batch.length;
    } else await sleep(5);
  }
  return written;
}

/** Opens `count` raw clients that never read (their sockets stay paused). */
async function nonReaders(url: string, count: number, request: UpgradeRequest = {}): Promise<Socket[]> {
  const opened = await Promise.all(Array.from({ length: count }, () => openUpgraded(portOf(url), request)));
  for (const { socket } of opened) defer(() => socket.destroy());
  return opened.map(({ socket }) => socket);
}

/** The server's peak RSS growth, in MiB, while `clients` non-readers each flood `batch` (up to `total` bytes each). */
async function growthUnderFlood(
  args: string[],
  clients: number,
  batch: Buffer,
  total: number,
  request: UpgradeRequest = {},
): Promise<number> {
  const cli = await cliServer(['--quiet', ...args]);
  const pid = cli.child.pid as number;
  await sleep(300);
  const baseline = memoryOf(pid).rss;
  const sockets = await nonReaders(cli.url, clients, request);
  await Promise.all(sockets.map((socket) => floodFor(socket, batch, total, 8000)));
  await rssSettled(pid);
  const growth = (memoryOf(pid).peak - baseline) / MiB;
  if (process.env.WS_ECHO_TEST_VERBOSE)
    process.stdout.write(`${args.join(' ')}: peak RSS growth ${growth.toFixed(0)} MiB\n`);
  return growth;
}

describe('clients that flood and never read', () => {
  // 2 clients x 2.4 M empty messages: before echoes were counted, each such client cost ~200 MiB.
  it('empty messages: the server stops reading at about the bound, not after 1 MiB of 2-byte echoes', async () => {
    const growth = await growthUnderFlood([], 2, frames(Opcode.binary, 0, 10_000), 2_400_000 * 6);
    expect(growth).toBeLessThan(150);
  }, 60_000);

  // ws's compression queue holds empty echoes at 0 bytes of bufferedAmount: before they were counted, >900 MiB per
  // client.
  it('empty messages under --deflate: echoes waiting for compression count towards the bound', async () => {
    const growth = await growthUnderFlood(['--deflate'], 2, frames(Opcode.binary, 0, 10_000), 600_000 * 6, {
      headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' },
    });
    expect(growth).toBeLessThan(150);
  }, 60_000);

  // A pong written (or a drain) must not resume reading while the delayed-echo queue is over the bound.
  it('?delay= with a ping after every message: delayed echoes stay bounded', async () => {
    const cli = await cliServer(['--quiet']);
    const [socket] = await nonReaders(cli.url, 1, { path: '/?delay=600000' });
    const pair = Buffer.concat([frames(Opcode.binary, 1024, 1), frames(Opcode.ping, 1, 1)]);
    const batch = Buffer.concat(Array.from({ length: 64 }, () => pair));
    await floodFor(socket, batch, 32 * MiB, 8000);
    await sleep(1000);
    const body = await (await fetch(new URL('/metrics', cli.url.replace(/^ws/, 'http')))).text();
    const received = valueOf(parsePrometheusText(body), 'ws_echo_messages_received_total', { type: 'binary' }) ?? NaN;
    // 1 MiB of 1 KiB echoes (each with its 256-byte overhead) is ~820 messages, plus what one read holds.
    expect(received).toBeGreaterThan(100);
    expect(received).toBeLessThan(2000);
  }, 60_000);
});

describe('with compression', () => {
  /**
   * Peak RSS growth allowed: the 1 MiB echo queue, zlib streams and garbage; a server that queued every echo would grow
   * by the ~100 MiB sent.
   */
  const GROWTH_BOUND = 64 * MiB;

  it('a client flooding compressed messages without reading gets stuck, the server stays small and serves others', async () => {
    const cli = await cliServer(['--quiet', '--deflate']);
    const pid = cli.child.pid ?? NaN;
    const baseline = memoryOf(pid).rss;
    const { socket, head } = await openUpgraded(portOf(cli.url), {
      headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' },
    });
    defer(() => socket.destroy());
    expect(head.headers['sec-websocket-extensions']).toBe('permessage-deflate');
    // Incompressible data, so the echoes the server compresses stay as large as the messages.
    const frame = buildFrame({
      opcode: Opcode.binary,
      rsv1: true,
      payload: compressMessage(noise(64 * 1024, 5)),
      mask: ZERO_MASK,
    });
    const flooding = flood(socket, frame, 100 * MiB, STALL_MS);
    expect(await flooding.stuck).toBe(true);

    const other = await client(cli.url, { perMessageDeflate: true });
    other.ws.send('still served');
    expect(String((await other.nextMessages(1))[0].data)).toBe('still served');
    expect(flooding.waitingForDrain).toBe(true);
    expect(memoryOf(pid).peak - baseline).toBeLessThan(GROWTH_BOUND);
  });
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
    const baseline = await warmedRss(cli.url, pid);

    const { socket } = await openUpgraded(portOf(cli.url)); // paused: never reads a pong
    defer(() => socket.destroy());
    const ping = buildFrame({ opcode: Opcode.ping, mask: ZERO_MASK });
    const burst = Buffer.concat(Array.from({ length: 10_000 }, () => ping)); // 10,000 pings per write
    const flooding = flood(socket, burst, 200 * MiB, STALL_MS);
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
