// A payload that arrives over many reads is gathered into one buffer as it comes (src/connection/payload-gatherer.ts),
// so a large message costs the server time linear in its bytes and memory about once its size: a client that drips
// one byte per TCP segment does not freeze the others, clients that send one large message each and never read grow
// the server by at most 1.5x what they sent, and two connections gathering at once each get their own payload back.
// The bounds are measured on the real CLI in a child process, its CPU time and memory read from /proc/<pid>.
import { readFileSync } from 'node:fs';
import { memoryOf, rssSettled } from '../../helpers/processes/cli';
import { warmedRss } from '../../helpers/echo-load';
import { frameHeader, FrameParser, Opcode, ZERO_MASK } from '../../helpers/wire/frames';
import { perTest } from '../../helpers/per-test';
import { sleep } from '../../helpers/probe';
import { echoRoundTrips, expectEcho, RawClient } from '../../helpers/wire/raw-client';
import { openUpgraded, portOf } from '../../helpers/wire/raw-http';

const MiB = 1024 * 1024;

const { serve, cliServer, rawClient, defer } = perTest();

describe('a client that drips a 256 KB message one byte per segment', () => {
  const DRIP_BYTES = 256 * 1024;
  /** A short pause every ~2,000 one-byte writes, so the segments are not merged. */
  const WRITES_BETWEEN_PAUSES = 2000;
  const PAUSE_MS = 2;
  /** The other client's echo period. */
  const ECHO_EVERY_MS = 100;
  /**
   * Freeze detection, not a performance assertion: with ws's own receiver (quadratic in the reads) the other client
   * waited 9-12 s for an echo and the drip cost 11-15 s of CPU; handled in linear time it costs about 2 s of CPU here
   * (256,000 reads), so 1 s and 5 s leave a loaded machine a wide margin.
   */
  const WORST_ECHO_LATENCY_MS = 1000;
  const DRIP_CPU_SECONDS = 5;

  /** User plus system CPU seconds the process has used, from /proc/<pid>/stat. */
  function cpuSecondsOf(pid: number): number {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") "; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  }

  /** Writes `bytes` one byte per write (TCP_NODELAY: one segment each), pausing now and then. */
  async function drip(client: RawClient, bytes: Buffer): Promise<void> {
    for (let i = 0; i < bytes.length; i++) {
      client.socket.write(bytes.subarray(i, i + 1));
      if (i % WRITES_BETWEEN_PAUSES === WRITES_BETWEEN_PAUSES - 1) await sleep(PAUSE_MS);
    }
  }

  it('costs the server linear time and does not freeze another client', async () => {
    const cli = await cliServer(['--quiet']);
    const pid = cli.child.pid as number;
    const port = portOf(cli.url);
    const dripper = new RawClient(await openUpgraded(port));
    defer(() => dripper.destroy());
    const other = new RawClient(await openUpgraded(port));
    defer(() => other.destroy());
    dripper.socket.setNoDelay(true);

    const payload = Buffer.alloc(DRIP_BYTES, 0x61);
    const cpuBefore = cpuSecondsOf(pid);
    let echoed = false;
    const roundTrips = echoRoundTrips(other, () => echoed, ECHO_EVERY_MS);
    // The header in one write (the zero mask keeps the payload bytes as they are), the payload a byte at a time.
    await dripper.send(frameHeader({ opcode: Opcode.binary }, DRIP_BYTES, ZERO_MASK));
    await drip(dripper, payload);
    await expectEcho(dripper, Opcode.binary, payload);
    const cpu = cpuSecondsOf(pid) - cpuBefore;
    echoed = true;
    const worst = (await roundTrips).at(-1) ?? 0;
    if (process.env.WS_ECHO_TEST_VERBOSE)
      process.stdout.write(`drip: server CPU ${cpu.toFixed(2)} s, worst echo ${worst.toFixed(0)} ms\n`);
    expect(worst).toBeLessThan(WORST_ECHO_LATENCY_MS);
    expect(cpu).toBeLessThan(DRIP_CPU_SECONDS);
  }, 120_000);
});

/** Clients and the size of each one's message; WS_ECHO_NONREADER_MIB=90 is the full measurement the bound came from. */
const CLIENTS = 4;
const MESSAGE_BYTES = Number(process.env.WS_ECHO_NONREADER_MIB ?? 24) * MiB;

describe(`${CLIENTS} clients that each send one ${MESSAGE_BYTES / MiB} MiB message and never read`, () => {
  /**
   * RSS may grow by about 1.5 times what the clients sent. Holding each message once (it becomes the queued echo)
   * costs 1.0x plus start-up noise; ws by itself holds the reads of a message and then a copy of them (2x at the
   * moment the message completes, and the reads' memory stays with the allocator afterwards).
   */
  const GROWTH_FACTOR = 1.5;

  it('grow the server by at most 1.5x what they sent, and each echo is still whole', async () => {
    const cli = await cliServer(['--quiet', '--max-payload', String(MESSAGE_BYTES)]);
    const pid = cli.child.pid as number;
    const baseline = await warmedRss(cli.url, pid);

    const payload = Buffer.alloc(MESSAGE_BYTES, 0x33);
    const header = frameHeader({ opcode: Opcode.binary }, MESSAGE_BYTES, ZERO_MASK);
    const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => openUpgraded(portOf(cli.url))));
    sockets.forEach(({ socket }) => defer(() => socket.destroy()));
    // All four at once, each as a header and one large write; none reads anything (the sockets stay paused).
    await Promise.all(
      sockets.map(({ socket }) => new Promise((resolve) => socket.write(Buffer.concat([header, payload]), resolve))),
    );
    await rssSettled(pid);
    const { rss, peak } = memoryOf(pid);
    const sent = CLIENTS * MESSAGE_BYTES;
    if (process.env.WS_ECHO_TEST_VERBOSE) {
      const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
      process.stdout.write(
        `non-readers: sent ${mib(sent)}; RSS ${mib(baseline)} -> ${mib(rss)} (+${((rss - baseline) / sent).toFixed(2)}x), peak +${((peak - baseline) / sent).toFixed(2)}x\n`,
      );
    }
    expect(peak - baseline).toBeLessThan(GROWTH_FACTOR * sent);

    // The first client finally reads: its echo is there, whole.
    const { socket } = sockets[0];
    const parser = new FrameParser();
    const echo = new Promise<Buffer>((resolve) =>
      socket.on('data', (chunk: Buffer) => parser.push(chunk).forEach((frame) => resolve(frame.payload))),
    );
    socket.resume();
    expect((await echo).equals(payload)).toBe(true);
  }, 120_000);
});

describe('payloads gathered on two connections at once (one write() for every receiver, state on each)', () => {
  it('each connection gets its own payload back whole', async () => {
    await serve();
    const size = 300_000;
    const chunk = 1000;
    const clients = [await rawClient(), await rawClient()];
    const payloads = [Buffer.alloc(size, 0x61), Buffer.alloc(size, 0x62)];
    for (const c of clients) c.socket.setNoDelay(true);
    // Headers first, then the payloads interleaved in small writes: both receivers wait for data at the same time.
    for (const c of clients) await c.send(frameHeader({ opcode: Opcode.binary }, size, ZERO_MASK));
    for (let at = 0; at < size; at += chunk) {
      clients.forEach((c, i) => c.socket.write(payloads[i].subarray(at, at + chunk)));
      if (at % (50 * chunk) === 0) await sleep(2);
    }
    await expectEcho(clients[0], Opcode.binary, payloads[0]);
    await expectEcho(clients[1], Opcode.binary, payloads[1]);
  });
});
