// ?fragment=1 with a large message: the frames go out in batches, one socket flush apart, so the
// server keeps answering others meanwhile and a client that never reads holds only one batch.
import WebSocket from 'ws';
import { memoryOf } from '../../helpers/cli';
import { closeClient, openClient } from '../../helpers/clients';
import { frameHeader, Opcode, ZERO_MASK } from '../../helpers/frames';
import { perTest } from '../../helpers/per-test';
import { sleep } from '../../helpers/probe';
import { openUpgraded, portOf } from '../../helpers/raw-http';

const MiB = 1024 * 1024;
/** A 1 MiB message is a million 1-byte frames: 3 bytes each on the wire from the server. */
const MESSAGE_BYTES = MiB;
const { cliServer, defer } = perTest();

/** One masked binary message of `size` bytes. */
function message(size: number): Buffer {
  return Buffer.concat([frameHeader({ opcode: Opcode.binary }, size, ZERO_MASK), Buffer.alloc(size, 0x37)]);
}

/** Echoes a small message every 20 ms on `ws` until `stop()`; returns the worst round trip seen, in ms. */
function latencyProbe(ws: WebSocket): { stop: () => number } {
  let worst = 0;
  let sentAt = 0;
  let waiting = false;
  ws.on('message', () => {
    worst = Math.max(worst, performance.now() - sentAt);
    waiting = false;
  });
  const timer = setInterval(() => {
    if (waiting) {
      worst = Math.max(worst, performance.now() - sentAt); // still waiting counts too
      return;
    }
    waiting = true;
    sentAt = performance.now();
    ws.send('probe');
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return worst;
    },
  };
}

describe('?fragment=1 and a 1 MiB message', () => {
  it('is sent as a million frames while the server keeps echoing another client', async () => {
    const cli = await cliServer(['--quiet', '--max-payload', String(2 * MiB)]);
    const probeClient = await openClient(cli.url);
    defer(() => closeClient(probeClient));
    const { socket } = await openUpgraded(portOf(cli.url), { path: '/?fragment=1' });
    defer(() => socket.destroy());
    let received = 0;
    const wire = 3 * MESSAGE_BYTES;
    const whole = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => (received += chunk.length) >= wire && resolve()),
    );
    socket.resume();
    const probe = latencyProbe(probeClient);
    socket.write(message(MESSAGE_BYTES));
    await whole;
    const worst = probe.stop();
    if (process.env.WS_ECHO_TEST_VERBOSE) process.stdout.write(`fragment=1: probe worst ${worst.toFixed(0)} ms\n`);
    expect(received).toBe(wire);
    // Freeze detection only (a generous bound): one synchronous loop over every frame held the server for seconds.
    expect(worst).toBeLessThan(1000);
  }, 60_000);

  // 4 MiB here: the kernel's loopback buffers (several MB) would absorb a 1 MiB echo's 3 MB of frames.
  it('to a client that never reads (a 4 MiB message): the server holds one batch of frames, not millions', async () => {
    const cli = await cliServer(['--quiet', '--max-payload', String(8 * MiB)]);
    const pid = cli.child.pid as number;
    await sleep(300);
    const baseline = memoryOf(pid).rss;
    const { socket } = await openUpgraded(portOf(cli.url), { path: '/?fragment=1' });
    defer(() => socket.destroy());
    socket.write(message(4 * MESSAGE_BYTES));
    await sleep(3000);
    const growth = (memoryOf(pid).peak - baseline) / MiB;
    if (process.env.WS_ECHO_TEST_VERBOSE)
      process.stdout.write(`fragment=1 non-reader: peak RSS growth ${growth.toFixed(0)} MiB\n`);
    expect(growth).toBeLessThan(64);
  }, 30_000);
});
