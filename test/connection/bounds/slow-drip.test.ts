// A client that drips one large message one byte per TCP segment must cost the server time
// linear in the bytes and must not freeze other connections (issue 8 §1). The server runs as
// the real CLI in a child process so its CPU time can be read from /proc/<pid>/stat.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { frameHeader, Opcode, ZERO_MASK } from '../../helpers/frames';
import { perTest } from '../../helpers/per-test';
import { sleep } from '../../helpers/probe';
import { RawClient, expectEcho } from '../../helpers/raw-client';
import { openUpgraded, portOf } from '../../helpers/raw-http';

const DRIP_BYTES = 256 * 1024;
/** The recipe: a short pause every ~2,000 one-byte writes, so the segments are not merged. */
const WRITES_BETWEEN_PAUSES = 2000;
const PAUSE_MS = 2;
/** The other client's echo period. */
const ECHO_EVERY_MS = 100;
/**
 * Freeze detection, not a performance assertion: with the quadratic receiver the other client
 * waited 9-12 s for an echo and the drip cost 11-15 s of CPU; handled in linear time it costs
 * about 2 s of CPU here (256,000 reads), so 1 s and 5 s leave a loaded machine a wide margin.
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

/** Echoes a small message every ECHO_EVERY_MS until `done` is true; resolves with the worst round trip in ms. */
async function echoPeriodically(client: RawClient, done: () => boolean): Promise<number> {
  let worst = 0;
  for (let i = 0; !done(); i++) {
    const started = performance.now();
    await client.sendFrame({ opcode: Opcode.text, payload: `tick ${i}` });
    await expectEcho(client, Opcode.text, `tick ${i}`);
    worst = Math.max(worst, performance.now() - started);
    await sleep(ECHO_EVERY_MS);
  }
  return worst;
}

const { cliServer, defer } = perTest();

describe('a client that drips a 256 KB message one byte per segment', () => {
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
    const worstLatency = echoPeriodically(other, () => echoed);
    // The header in one write (the zero mask keeps the payload bytes as they are), the payload a byte at a time.
    await dripper.send(frameHeader({ opcode: Opcode.binary }, DRIP_BYTES, ZERO_MASK));
    await drip(dripper, payload);
    await expectEcho(dripper, Opcode.binary, payload);
    const cpu = cpuSecondsOf(pid) - cpuBefore;
    echoed = true;
    const worst = await worstLatency;
    if (process.env.WS_ECHO_TEST_VERBOSE)
      process.stdout.write(`drip: server CPU ${cpu.toFixed(2)} s, worst echo ${worst.toFixed(0)} ms\n`);
    expect(worst).toBeLessThan(WORST_ECHO_LATENCY_MS);
    expect(cpu).toBeLessThan(DRIP_CPU_SECONDS);
  }, 120_000);
});
