// Resource limits of the real CLI: memory under a client that never reads, logging into a
// pipe or a terminal nobody reads, and a storm of aborted connections. The server runs as a
// child process so its memory can be read from /proc/<pid>/status (VmRSS now, VmHWM peak).
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { BIN, childEnv, memoryOf } from '../helpers/processes/cli';
import { closeClient, openClient } from '../helpers/clients';
import { echoMany } from '../helpers/echo-load';
import { buildFrame, frameHeader, Opcode, ZERO_MASK } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { descendantRunning, readUntil } from '../helpers/processes/descendants';
import { getHealth, pollUntil, stopChild } from '../helpers/probe';
import { flood, openRawClient } from '../helpers/wire/raw-client';
import { openUpgraded, portOf } from '../helpers/wire/raw-http';

/**
 * Measurements for a person tuning the bounds below; printed with WS_ECHO_TEST_VERBOSE=1 only, to keep CI logs quiet.
 */
function report(line: string): void {
  if (process.env.WS_ECHO_TEST_VERBOSE) process.stdout.write(line + '\n');
}

const KiB = 1024;
const MiB = 1024 * 1024;

/**
 * Peak RSS growth allowed over the baseline while one client floods and never reads.
 * ws-echo stops reading at 1 MiB of queued echo, so it should hold about that plus a few
 * 64 KiB read buffers and garbage not yet collected (measured here: +11 to +17 MiB). A plain
 * `ws` echo server, which queues every echo, grows by about the 200 MiB sent (measured
 * here: 49 MiB -> 258 MiB). 64 MiB sits well between the two.
 */
const BACKPRESSURE_GROWTH_BOUND = 64 * MiB;
/** Bytes the flooding client aims to send. */
const FLOOD_TARGET = 200 * MiB;
/** Size of each flooding frame's payload. */
const FLOOD_FRAME = 64 * KiB;
/** No 'drain' on the flooding socket for this long means the server stopped reading. */
const FLOOD_STALL_MS = 2000;

/**
 * Peak RSS growth allowed while logging every message into a stdout nobody reads. The
 * logger queues at most 256 KiB and drops the rest; echoing 20 MiB costs some garbage.
 */
const LOGGING_GROWTH_BOUND = 64 * MiB;
/**
 * Log bytes that may come out of the pipe before the "dropped" notice: what the kernel pipe
 * holds (64 KiB by default), what this process's paused stream had already pulled in
 * (16-64 KiB), and the logger's queue (LOG_HIGH_WATER, 256 KiB) plus one line. 1 MiB leaves
 * room; an unbounded logger would deliver all ~2 MB of message lines first.
 */
const LOG_OUTPUT_BOUND = 1 * MiB;

/**
 * RSS allowed over the baseline once 1,000 aborted connections are gone. Each sent 512 KiB
 * of a frame, so a server that kept them would hold ~500 MiB. RSS does not fall back to
 * the baseline even when nothing is kept: the 64 KiB read buffers of 50 connections at a
 * time are freed into malloc arenas that are not returned to the OS. Measured here:
 * +75-85 MiB for ws-echo and the same for a plain `ws` echo server, flat over 4,000 resets.
 */
const RESET_RESIDUAL_BOUND = 160 * MiB;
/**
 * RSS growth allowed from one round of 500 aborted connections to the next, in the better of two rounds: the retained
 * arenas are reused, so it is small (measured: under 10 MiB on a quiet machine, 33-45 MiB in one round of two on a
 * loaded one, where the allocator keeps more before reusing); a leak would add ~250 MiB to every round.
 */
const RESET_SECOND_ROUND_BOUND = 48 * MiB;

/** Upper bound on what a client can push before TCP stops it, from the kernel's buffer limits. */
function kernelBufferBound(): number {
  const max = (file: string): number => Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
  const rmem = max('/proc/sys/net/ipv4/tcp_rmem');
  const wmem = max('/proc/sys/net/ipv4/tcp_wmem');
  // Echoes: client receive buffer + server send buffer; requests: server receive buffer +
  // client send buffer; plus the server's 1 MiB echo queue and a few frames in flight.
  return 2 * (rmem + wmem) + 1 * MiB + 4 * FLOOD_FRAME;
}

/** Memory of the CLI child right now; fails the test if /proc cannot be read. */
function memory(pid: number | undefined): { rss: number; peak: number } {
  if (pid === undefined) throw new Error('no pid');
  const m = memoryOf(pid);
  if (!Number.isFinite(m.rss) || !Number.isFinite(m.peak)) throw new Error(`cannot read /proc/${pid}/status`);
  return m;
}

/** Baseline: the server's RSS after start-up and one warm-up echo (code paths loaded). */
async function baselineOf(url: string, pid: number | undefined): Promise<number> {
  const ws = await openClient(url);
  await echoMany(ws, { count: 200, size: 1 * KiB, window: 20 });
  await closeClient(ws);
  return memory(pid).rss;
}

const { cliServer, defer } = perTest();

/** Opens a ws client (see clients.ts `openClient`), closed after the test. */
async function client(url: string): ReturnType<typeof openClient> {
  const ws = await openClient(url);
  defer(() => closeClient(ws));
  return ws;
}

describe('backpressure: a client that floods and never reads', () => {
  it('gets stuck well before 200 MB while the server stays small and echoes to others', async () => {
    const cli = await cliServer(['--quiet']);
    const pid = cli.child.pid;
    const baseline = await baselineOf(cli.url, pid);

    const { socket } = await openUpgraded(portOf(cli.url)); // paused: it never reads an echo
    defer(() => socket.destroy());
    // Built once and written again and again; the zero key leaves the payload bytes as they are.
    const frame = buildFrame({ opcode: Opcode.binary, payload: Buffer.alloc(FLOOD_FRAME, 0x5a), mask: ZERO_MASK });
    const flooding = flood(socket, frame, FLOOD_TARGET, FLOOD_STALL_MS);
    const stuck = await flooding.stuck;
    const sentWhenStuck = flooding.sent;

    // While the flooder is stuck, another client is served normally.
    const other = await client(cli.url);
    expect(await echoMany(other, { count: 50, size: 64 * KiB, window: 5 })).toBe(50);
    // ...and the flooder is still stuck: the server did not resume reading it meanwhile.
    expect(flooding.waitingForDrain).toBe(true);
    expect(flooding.sent).toBe(sentWhenStuck);

    const { peak } = memory(pid);
    socket.destroy();
    await closeClient(other);
    report(
      `backpressure: stuck=${stuck} after ${(sentWhenStuck / MiB).toFixed(1)} MiB sent; ` +
        `server baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB (+${((peak - baseline) / MiB).toFixed(1)} MiB)`,
    );
    expect(stuck).toBe(true);
    expect(sentWhenStuck).toBeLessThan(Math.min(FLOOD_TARGET, kernelBufferBound()));
    expect(peak - baseline).toBeLessThan(BACKPRESSURE_GROWTH_BOUND);
    // The flooder is gone and nothing of it is left open.
    const health = await pollUntil(
      () => getHealth(cli.url),
      (h) => h.connections === 0,
      50,
    );
    expect(health.connections).toBe(0);
  });
});

describe('logging into a stdout pipe nobody reads', () => {
  it('never blocks echoing, stays bounded, counts and then reports dropped lines', async () => {
    // stdout is a pipe this test stops reading after the listening line.
    const child = spawn(process.execPath, [BIN, '--port', '0'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    defer(() => stopChild(child));
    child.stderr.resume();
    const [, url] = await readUntil(child.stdout, /listening on (ws:\/\/\S+)/);
    const baseline = await baselineOf(url, child.pid);

    const COUNT = 20_000;
    const ws = await client(url);
    expect(await echoMany(ws, { count: COUNT, size: 1 * KiB, window: 100 })).toBe(COUNT);
    const { peak } = memory(child.pid);
    const health = await getHealth(url);
    report(
      `logging: ${COUNT} echoes with stdout unread; peak ${(peak / MiB).toFixed(1)} MiB ` +
        `(+${((peak - baseline) / MiB).toFixed(1)} MiB), logLinesDropped ${health.logLinesDropped}`,
    );
    expect(health.logLinesDropped).toBeGreaterThan(0);
    expect(peak - baseline).toBeLessThan(LOGGING_GROWTH_BOUND);

    // Now read the pipe. The notice is written with the first line logged after the queue
    // drains, so keep echoing one message at a time until it shows up.
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdout.resume();
    const notice = /… (\d+) log lines dropped \(output could not keep up\)/;
    let probes = 0;
    await pollUntil(
      async () => {
        probes++;
        return echoMany(ws, { count: 1, size: 16, window: 1 });
      },
      () => notice.test(output),
      200,
      50,
    );
    const match = output.match(notice);
    expect(match).not.toBeNull();
    const before = output.slice(0, match?.index ?? output.length);
    const messageLinesBefore = before.split('\n').filter((line) => / text 1\.0 KiB /.test(line)).length;
    report(
      `logging: ${Buffer.byteLength(before)} bytes (${messageLinesBefore} message lines) before the notice "${match?.[0]}", after ${probes} probe(s)`,
    );
    expect(Buffer.byteLength(before)).toBeLessThan(LOG_OUTPUT_BOUND);
    expect(messageLinesBefore).toBeLessThan(COUNT);
    expect(Number(match?.[1])).toBeGreaterThan(0);
  });
});

describe('logging into a terminal nobody reads', () => {
  // util-linux `script` gives the CLI a real pty (`make test` installs it where it is missing).
  it('keeps echoing while the pty is full (stdout is non-blocking)', async () => {
    const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, BIN, '--port', '0'].map(quote).join(' ');
    // script's own stdout is a pipe this test stops reading, so the pty behind it fills up.
    const script = spawn('script', ['-qfec', command, '/dev/null'], {
      env: childEnv({ NO_COLOR: '1', SHELL: '/bin/sh' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    defer(() => stopChild(script));
    script.stderr.resume();
    const [, url] = await readUntil(script.stdout, /listening on (ws:\/\/[^\s\x1b]+)/);
    const cliPid = descendantRunning(script.pid, BIN);
    // The CLI's stdout really is a terminal.
    expect(readlinkSync(`/proc/${cliPid}/fd/1`)).toMatch(/^\/dev\/pts\/\d+$/);

    const COUNT = 10_000;
    const ws = await client(url);
    expect(await echoMany(ws, { count: COUNT, size: 1 * KiB, window: 100 })).toBe(COUNT);
    // The terminal did fill up: lines were dropped instead of blocking the server.
    const health = await getHealth(url);
    report(`slow terminal: ${COUNT} echoes with the pty unread, logLinesDropped ${health.logLinesDropped}`);
    expect(health.logLinesDropped).toBeGreaterThan(0);

    await closeClient(ws);
    process.kill(cliPid, 'SIGTERM');
    script.stdout.resume(); // let script drain the pty so it and the CLI can exit
    const exit = await new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
    expect(exit).toBe(0);
  });
});

describe('abrupt resets', () => {
  it('1,500 connections aborted mid-frame leave no connections and no growing memory behind', async () => {
    const cli = await cliServer(['--quiet']);
    const pid = cli.child.pid;
    const baseline = await baselineOf(cli.url, pid);

    const FRAME = 1 * MiB; // announced payload; only the first half is sent
    // A header announcing FRAME bytes, masked with the zero key so the payload goes as it is.
    const half = Buffer.concat([
      frameHeader({ opcode: Opcode.binary }, FRAME, ZERO_MASK),
      Buffer.alloc(FRAME / 2, 0x42),
    ]);
    let aborted = 0;
    /** `count` connections, `BATCH` at a time, that upgrade, send half a frame and vanish. */
    const abort = async (count: number): Promise<void> => {
      const BATCH = 50;
      for (let start = 0; start < count; start += BATCH) {
        await Promise.all(
          Array.from({ length: BATCH }, async (_, i) => {
            const raw = await openRawClient(portOf(cli.url));
            await raw.send(half);
            // Half are reset (RST), half closed (FIN), mid-frame.
            if ((start + i) % 2 === 0) raw.socket.resetAndDestroy();
            else raw.destroy();
            await raw.tcpEnd();
            aborted++;
          }),
        );
      }
    };
    const settled = async (): Promise<{ rss: number; peak: number }> => {
      const health = await pollUntil(
        () => getHealth(cli.url),
        (h) => h.connections === 0,
        100,
      );
      expect(health.connections).toBe(0);
      return memory(pid);
    };

    await abort(500);
    const first = await settled();
    await abort(500);
    const second = await settled();
    await abort(500);
    const third = await settled();
    expect(aborted).toBe(1500);

    // The server still echoes.
    const ws = await client(cli.url);
    expect(await echoMany(ws, { count: 100, size: 4 * KiB, window: 10 })).toBe(100);

    const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
    report(
      `resets: baseline ${mib(baseline)} MiB; after 500: ${mib(first.rss)} MiB; after 1,000: ${mib(second.rss)} MiB; ` +
        `after 1,500: ${mib(third.rss)} MiB (+${mib(third.rss - baseline)} MiB), peak ${mib(third.peak)} MiB`,
    );
    expect(second.rss - baseline).toBeLessThan(RESET_RESIDUAL_BOUND);
    expect(Math.min(second.rss - first.rss, third.rss - second.rss)).toBeLessThan(RESET_SECOND_ROUND_BOUND);
  });
});
