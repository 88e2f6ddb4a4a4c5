// Floods from clients that never read: empty messages, empty messages under --deflate, and delayed
// echoes with pings in between all stop being read at about the 1 MiB bound (README "What one client can cost").
import { memoryOf, rssSettled } from '../../helpers/cli';
import { frameHeader, Opcode, ZERO_MASK } from '../../helpers/frames';
import { perTest } from '../../helpers/per-test';
import { parsePrometheusText, valueOf } from '../../helpers/prom-text';
import { sleep } from '../../helpers/probe';
import { openUpgraded, portOf, type UpgradeRequest } from '../../helpers/raw-http';
import type { Socket } from 'node:net';

const MiB = 1024 * 1024;
const { cliServer, defer } = perTest();

/** `count` masked frames of `opcode` with `size`-byte payloads, as one buffer. */
function frames(opcode: number, size: number, count: number): Buffer {
  const one = Buffer.concat([frameHeader({ opcode }, size, ZERO_MASK), Buffer.alloc(size, 0x61)]);
  return Buffer.concat(Array.from({ length: count }, () => one));
}

/**
 * Writes `batch` to `socket` until `total` bytes are written or `ms` have passed, waiting whenever the server stops
 * taking them.
 */
async function flood(socket: Socket, batch: Buffer, total: number, ms: number): Promise<number> {
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
  await Promise.all(sockets.map((socket) => flood(socket, batch, total, 8000)));
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

  // A pong written (or a drain) used to resume reading whatever the delayed-echo queue held.
  it('?delay= with a ping after every message: delayed echoes stay bounded', async () => {
    const cli = await cliServer(['--quiet']);
    const [socket] = await nonReaders(cli.url, 1, { path: '/?delay=600000' });
    const pair = Buffer.concat([frames(Opcode.binary, 1024, 1), frames(Opcode.ping, 1, 1)]);
    const batch = Buffer.concat(Array.from({ length: 64 }, () => pair));
    await flood(socket, batch, 32 * MiB, 8000);
    await sleep(1000);
    const body = await (await fetch(new URL('/metrics', cli.url.replace(/^ws/, 'http')))).text();
    const received = valueOf(parsePrometheusText(body), 'ws_echo_messages_received_total', { type: 'binary' }) ?? NaN;
    // 1 MiB of 1 KiB echoes (each with its 256-byte overhead) is ~820 messages, plus what one read holds.
    expect(received).toBeGreaterThan(100);
    expect(received).toBeLessThan(2000);
  }, 60_000);
});
