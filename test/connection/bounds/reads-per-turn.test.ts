// A client has a share of each event-loop turn (READS_PER_TURN reads, MESSAGES_PER_TURN messages:
// src/connection/loop-turns.ts), so one that floods tiny messages or empty fragments while reading its echoes cannot
// freeze the other connections.
//
// Why the bound is needed: libuv reads a socket up to 32 times per event-loop turn, 2 MiB of empty frames (~350,000
// messages) from one client, while no other client is read. With one write per read and no share, such a client was
// never paused, and another client's echo waited 1-2 s (3 flooders: p50 1.8 s). With the share, a client that has used
// it reads again in the next turn.
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { buildFrame, Opcode } from '../../helpers/wire/frames';
import { perTest } from '../../helpers/per-test';
import { echoRoundTrips, RawClient } from '../../helpers/wire/raw-client';
import { openUpgraded, portOf } from '../../helpers/wire/raw-http';

const FLOODERS = 4;
const FLOOD_MS = 4000;
const ECHO_EVERY_MS = 100;
/**
 * Freeze detection, not a performance bound: with one write per read and no per-turn share, the worst echo here took
 * 1.1-2.1 s (each flooder's 32-read turns hold the loop ~0.3-0.5 s in turn); echoing one write per message, 80-110 ms.
 */
const WORST_ECHO_LATENCY_MS = 500;

/**
 * 4 MiB of empty binary frames, each with its own masking key, written in one call so the kernel, not this process,
 * paces the flood: the server then always has more than 32 reads of it waiting, whatever this process's speed.
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
    echoRoundTrips(probe, done, ECHO_EVERY_MS),
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
