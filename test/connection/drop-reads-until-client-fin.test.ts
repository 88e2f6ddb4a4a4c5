// A drop mode reads on after its FIN until the client's own FIN, even when the client sends far
// more than one turn's share and reads nothing: a per-turn pause must not outlive the drop.
//
// Before this held, after `whole-message` dropped, the 8th read of
// a turn paused the client, and resuming waited for a socket marker that an ended socket never
// writes. The client's 64 MB upload then sat unread until the client read its echo (and in 1
// run of 12 the linger timer destroyed the socket: EPIPE instead of a clean close).
import { buildFrame, Opcode } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { openUpgraded } from '../helpers/wire/raw-http';

const FRAMES = 4;
const FRAME_BYTES = 16_000_000;
/** How long the client reads nothing: the server must take the whole upload meanwhile. */
const UNREAD_MS = 3000;

const { serve, defer } = perTest();

describe('a drop mode with a client that keeps sending and does not read', () => {
  it('takes the whole upload and the FIN without waiting for the client to read', async () => {
    const server = await serve({ mode: 'whole-message', maxPayload: FRAME_BYTES });
    const { socket } = await openUpgraded(server.port);
    defer(() => socket.destroy());
    socket.on('error', () => undefined);
    socket.pause(); // nothing is read until UNREAD_MS have passed
    const frame = buildFrame({ opcode: Opcode.binary, payload: Buffer.alloc(FRAME_BYTES, 0x61) });
    const started = Date.now();
    const uploaded = new Promise<number>((resolve) => {
      for (let i = 0; i < FRAMES - 1; i++) socket.write(frame);
      socket.end(frame, () => resolve(Date.now() - started));
    });
    const tookMs = await Promise.race([
      uploaded,
      new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), UNREAD_MS)),
    ]);
    socket.resume();
    socket.on('data', () => undefined);
    await new Promise((resolve) => socket.once('close', resolve));
    expect(tookMs).toBeLessThan(UNREAD_MS);
  }, 30_000);
});
