// A client that floods tiny messages or empty fragments while reading its echoes must not
// freeze the other connections (src/connection/loop-turns.ts).
//
// Found by an attack on the frame batch: libuv reads a socket up to 32 times per event-loop
// turn, 2 MiB of empty frames (~350,000 messages) from one client, while no other client is
// read. Before the batch, ws-echo paused such a client every ~4,000 echoes only by accident
// (its backpressure counted 256 bytes per echo); with one write per read it was never paused,
// and another client's echo waited 1-2 s (3 flooders: p50 1.8 s). Now a client that has brought
// MESSAGES_PER_TURN messages in one turn reads again in the next one.
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { buildFrame, Opcode } from '../../helpers/frames';
import { perTest } from '../../helpers/per-test';
import { sleep } from '../../helpers/probe';
import { RawClient, expectEcho } from '../../helpers/raw-client';
import { openUpgraded, portOf } from '../../helpers/raw-http';

const FLOODERS = 4;
const FLOOD_MS = 4000;
const ECHO_EVERY_MS = 100;
/**
 * Freeze detection, not a performance bound: before the batch the worst echo here took 80-110 ms;
 * with it, 1.1-2.1 s (each flooder's 32-read turns hold the loop ~0.3-0.5 s in turn).
 */
const WORST_ECHO_LATENCY_MS = 500;

/**
 * 4 MiB of empty binary frames, each with its own masking key, written in one call so the kernel, not this process,
 * paces the flood: the server then
 * always has more than 32 reads of it waiting, whatever this process's speed.
 */
const FLOOD_CHUNK = Buffer.concat(
  Array.from({ length: Math.floor((4 * 1024 * 1024) / 6) }, () =>
    buildFrame({ opcode: Opcode.binary, payload: Buffer.alloc(0) }),
  ),
);

/** Empty fragments per message in the fragment flood (the server is started with a --max-fragments above it). */
const FRAGMENTS = 16_000;
/** One binary message in FRAGMENTS empty fragments: about 96 KB, 1.5 reads of nothing but frame headers. */
const FRAGMENTED_MESSAGE = Buffer.concat([
  buildFrame({ opcode: Opcode.binary, fin: false, payload: Buffer.alloc(0) }),
  ...Array.from({ length: FRAGMENTS - 2 }, () =>
    buildFrame({ opcode: Opcode.continuation, fin: false, payload: Buffer.alloc(0) }),
  ),
  buildFrame({ opcode: Opcode.continuation, payload: Buffer.alloc(0) }),
]);
const FRAGMENT_CHUNK = Buffer.concat(Array.from({ length: 40 }, () => FRAGMENTED_MESSAGE));
/**
 * Freeze detection on the median echo: with every read of a flooder parsed in one turn (libuv
 * reads up to 32), the median was 735 ms and the worst 949 ms; with READS_PER_TURN, 139 and 236 ms.
 */
const MEDIAN_ECHO_LATENCY_MS = 400;

/**
 * Writes `chunk` (FLOOD_CHUNK by default) again and again, honouring 'drain', until `done()`; reads and discards what
 * comes back.
 */
function floodUntil(socket: Socket, done: () => boolean, chunk: Buffer = FLOOD_CHUNK): Promise<void> {
  socket.on('data', () => undefined);
  socket.resume();
  return new Promise((resolve) => {
    const pump = (): void => {
      while (!done() && !socket.destroyed) {
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      resolve();
    };
    socket.once('close', resolve);
    pump();
  });
}

/** Echoes a small message every ECHO_EVERY_MS until `done()`; resolves with the round trips in ms, sorted. */
async function echoLatencies(client: RawClient, done: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; !done(); i++) {
    const started = performance.now();
    await client.sendFrame({ opcode: Opcode.text, payload: `tick ${i}` });
    await expectEcho(client, Opcode.text, `tick ${i}`);
    latencies.push(performance.now() - started);
    await sleep(ECHO_EVERY_MS);
  }
  return latencies.sort((a, b) => a - b);
}

const { cliServer, defer } = perTest();

/**
 * Starts the CLI with `args`, floods it from FLOODERS clients with `chunk` for FLOOD_MS, and returns another client's
 * echo round trips meanwhile, sorted.
 */
async function latenciesDuringFlood(args: string[], chunk: Buffer): Promise<number[]> {
  const cli = await cliServer(['--quiet', ...args]);
  const port = portOf(cli.url);
  const flooders = await Promise.all(Array.from({ length: FLOODERS }, () => openUpgraded(port)));
  for (const { socket } of flooders) defer(() => socket.destroy());
  const probe = new RawClient(await openUpgraded(port));
  defer(() => probe.destroy());
  probe.socket.setNoDelay(true);
  const endAt = performance.now() + FLOOD_MS;
  const done = (): boolean => performance.now() >= endAt;
  const [latencies] = await Promise.all([
    echoLatencies(probe, done),
    ...flooders.map(({ socket }) => floodUntil(socket, done, chunk)),
  ]);
  return latencies;
}

describe('clients flooding while reading their echoes', () => {
  it("with empty messages, do not hold the event loop: another client's echo comes within half a second", async () => {
    const latencies = await latenciesDuringFlood([], FLOOD_CHUNK);
    expect(latencies[latencies.length - 1]).toBeLessThan(WORST_ECHO_LATENCY_MS);
  }, 30_000);

  it("with messages of 16,000 empty fragments, do not hold the event loop: another client's median echo is under 0.4 s", async () => {
    const latencies = await latenciesDuringFlood(['--max-fragments', String(FRAGMENTS + 1)], FRAGMENT_CHUNK);
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(MEDIAN_ECHO_LATENCY_MS);
  }, 30_000);
});
