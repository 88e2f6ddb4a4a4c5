// A client that floods tiny messages while reading its echoes must not freeze the other
// connections (src/server/loop-turns.ts).
//
// Found by an attack on the frame batch: libuv reads a socket up to 32 times per event-loop
// turn, 2 MiB of empty frames (~350,000 messages) from one client, while no other client is
// read. Before the batch, ws-echo paused such a client every ~4,000 echoes only by accident
// (its backpressure counted 256 bytes per echo); with one write per read it was never paused,
// and another client's echo waited 1-2 s (3 flooders: p50 1.8 s). Now a client that has brought
// MESSAGES_PER_TURN messages in one turn reads again in the next one.
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { buildFrame, Opcode } from './helpers/frames';
import { perTest } from './helpers/per-test';
import { sleep } from './helpers/probe';
import { RawClient, expectEcho } from './helpers/raw-client';
import { openUpgraded, portOf } from './helpers/raw-http';

const FLOODERS = 4;
const FLOOD_MS = 4000;
const ECHO_EVERY_MS = 100;
/**
 * Freeze detection, not a performance bound: before the batch the worst echo here took 80-110 ms;
 * with it, 1.1-2.1 s (each flooder's 32-read turns hold the loop ~0.3-0.5 s in turn).
 */
const WORST_ECHO_LATENCY_MS = 500;

/**
 * 4 MiB of empty binary frames, each with its own masking key, written in one call so the kernel, not this process, paces the flood: the server then
 * always has more than 32 reads of it waiting, whatever this process's speed.
 */
const FLOOD_CHUNK = Buffer.concat(Array.from({ length: Math.floor((4 * 1024 * 1024) / 6) }, () => buildFrame({ opcode: Opcode.binary, payload: Buffer.alloc(0) })));

/** Writes FLOOD_CHUNK again and again, honouring 'drain', until `done()`; reads and discards what comes back. */
function floodUntil(socket: Socket, done: () => boolean): Promise<void> {
  socket.on('data', () => undefined);
  socket.resume();
  return new Promise((resolve) => {
    const pump = (): void => {
      while (!done() && !socket.destroyed) {
        if (!socket.write(FLOOD_CHUNK)) return void socket.once('drain', pump);
      }
      resolve();
    };
    socket.once('close', resolve);
    pump();
  });
}

/** Echoes a small message every ECHO_EVERY_MS until `done()`; resolves with the worst round trip in ms. */
async function worstEchoLatency(client: RawClient, done: () => boolean): Promise<number> {
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

describe('clients flooding empty messages while reading their echoes', () => {
  it("do not hold the event loop: another client's echo comes within half a second", async () => {
    const cli = await cliServer(['--quiet']);
    const port = portOf(cli.url);
    const flooders = await Promise.all(Array.from({ length: FLOODERS }, () => openUpgraded(port)));
    for (const { socket } of flooders) defer(() => socket.destroy());
    const probe = new RawClient(await openUpgraded(port));
    defer(() => probe.destroy());
    probe.socket.setNoDelay(true);
    const endAt = performance.now() + FLOOD_MS;
    const done = (): boolean => performance.now() >= endAt;
    const [worst] = await Promise.all([worstEchoLatency(probe, done), ...flooders.map(({ socket }) => floodUntil(socket, done))]);
    expect(worst).toBeLessThan(WORST_ECHO_LATENCY_MS);
  }, 30_000);
});
