// ?fragment=1 with a large message: the frames go out in batches, one socket flush apart, so the
// server keeps answering others meanwhile and a client that never reads holds only one batch; framed by hand, many
// frames to a write, a frame costs a fraction of a microsecond.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { memoryOf } from '../../helpers/processes/cli';
import { closeClient, connect, openClient } from '../../helpers/clients';
import { frameHeader, Opcode, ZERO_MASK } from '../../helpers/wire/frames';
import { perTest } from '../../helpers/per-test';
import { sleep, within } from '../../helpers/probe';
import { openUpgraded, portOf } from '../../helpers/wire/raw-http';

const MiB = 1024 * 1024;
/** A 1 MiB message is a million 1-byte frames: 3 bytes each on the wire from the server. */
const MESSAGE_BYTES = MiB;
const { cliServer, serve, defer } = perTest();

/** One masked binary message of `size` bytes. */
function message(size: number): Buffer {
  return Buffer.concat([frameHeader({ opcode: Opcode.binary }, size, ZERO_MASK), Buffer.alloc(size, 0x37)]);
}

/** CPU time (user + system) a process has used, in seconds, from /proc (clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Where `wire` (a fragmented binary echo of 0x37 bytes in 1-byte frames) first differs from it, or undefined. */
function firstWrongFrame(wire: Buffer, frames: number): string | undefined {
  for (let i = 0; i < frames; i++) {
    const at = 3 * i;
    const first = i === 0 ? Opcode.binary : Opcode.continuation;
    const expected = [(i === frames - 1 ? 0x80 : 0) | first, 1, 0x37];
    const found = [wire[at], wire[at + 1], wire[at + 2]];
    if (found.some((byte, k) => byte !== expected[k]))
      return `frame ${i}: ${found.join(' ')}, not ${expected.join(' ')}`;
  }
  return wire.length === 3 * frames ? undefined : `${wire.length} bytes, not ${3 * frames}`;
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

  it('costs a small fraction of a CPU-second, and every frame is right', async () => {
    const cli = await cliServer(['--quiet', '--max-payload', String(2 * MiB)]);
    const { socket, rest } = await openUpgraded(portOf(cli.url), { path: '/?fragment=1' });
    defer(() => socket.destroy());
    const chunks: Buffer[] = [rest];
    let received = rest.length;
    const wire = 3 * MESSAGE_BYTES;
    const whole = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => chunks.push(chunk) && (received += chunk.length) >= wire && resolve()),
    );
    socket.resume();
    const before = cpuSecondsOf(cli.child.pid as number);
    socket.write(message(MESSAGE_BYTES));
    await whole;
    const cpu = cpuSecondsOf(cli.child.pid as number) - before;
    if (process.env.WS_ECHO_TEST_VERBOSE) process.stdout.write(`fragment=1, 1 MiB: ${cpu.toFixed(2)} CPU-seconds\n`);
    expect(firstWrongFrame(Buffer.concat(chunks), MESSAGE_BYTES)).toBeUndefined();
    // One ws.send and one writev per frame cost 6.5 CPU-seconds here; framed by hand, 0.2 (taking the upload in too).
    expect(cpu).toBeLessThan(1.5);
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

describe('fragments framed by hand', () => {
  it.each([{ deflate: false }, { deflate: true }])(
    'every echo arrives whole and in order: empty, text cut inside characters, 126+ byte frames (%j)',
    async ({ deflate }) => {
      const server = await serve({ deflate });
      const c = await connect(`${server.url}/?fragment=130`, { perMessageDeflate: deflate });
      const sent: Array<string | Buffer> = [
        '',
        'é'.repeat(200),
        Buffer.from(Array.from({ length: 1000 }, (_, i) => i)),
      ];
      for (let i = 0; i < 50; i++) sent.push(`message ${i}`);
      sent.forEach((data) => c.ws.send(data));
      const echoes = await within(c.nextMessages(sent.length), 10_000, 'not every echo came whole');
      expect(echoes.map((m) => (m.isBinary ? m.data : m.data.toString()))).toEqual(sent);
    },
  );
});
