// A client that floods a rule-driven connection with messages whose answer is large, and never reads, is stopped
// being read at the backpressure bound (README "Limits and close codes"): the answers queue through the connection's
// one writer, so the server's memory stays small. Measured on a child CLI.
import type { Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { memoryOf, rssSettled } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';
import { sleep } from '../helpers/probe';
import { frameHeader, Opcode, ZERO_MASK } from '../helpers/wire/frames';
import { openUpgraded, portOf } from '../helpers/wire/raw-http';

const MiB = 1024 * 1024;
const { cliServer, defer } = perTest();

/** Writes `batch` until `total` bytes are written or `ms` have passed, waiting while the server takes none. */
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

describe('a client that floods rule-matched messages and never reads', () => {
  it('is paused at the bound: 1-byte messages answered with 64 KiB each do not grow the server', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ws-echo-flood-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    const rules = path.join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify([{ when: 'a', reply: 'x'.repeat(64 * 1024) }]));
    const cli = await cliServer(['--quiet', '--rules', rules]);
    const pid = cli.child.pid as number;
    await sleep(300);
    const baseline = memoryOf(pid).rss;
    const sockets = await Promise.all([1, 2].map(() => openUpgraded(portOf(cli.url))));
    for (const { socket } of sockets) defer(() => socket.destroy());
    // One masked text frame "a" is 7 bytes: 20,000 of them ask for 1.3 GB of answers per batch.
    const one = Buffer.concat([frameHeader({ opcode: Opcode.text }, 1, ZERO_MASK), Buffer.from('a')]);
    const batch = Buffer.concat(Array.from({ length: 20_000 }, () => one));
    const written = await Promise.all(sockets.map(({ socket }) => floodFor(socket, batch, 20 * batch.length, 6000)));
    await rssSettled(pid);
    const growth = (memoryOf(pid).peak - baseline) / MiB;
    if (process.env.WS_ECHO_TEST_VERBOSE)
      process.stdout.write(`flood of ${written.join(' + ')} B: peak RSS growth ${growth.toFixed(0)} MiB\n`);
    expect(growth).toBeLessThan(150);
  }, 60_000);
});
