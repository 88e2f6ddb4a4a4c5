// Deflate bombs (--deflate): many connections sending messages that inflate a thousandfold take turns to inflate, so
// the server holds about one such message at a time rather than one per connection; honest large compressed messages
// from several clients at once are all still echoed whole.
import { memoryOf } from '../../helpers/processes/cli';
import { compressMessage, decompressMessage } from '../../helpers/wire/deflate-frames';
import { buildFrame, Opcode, ZERO_MASK } from '../../helpers/wire/frames';
import { perTest } from '../../helpers/per-test';
import { openUpgraded, portOf } from '../../helpers/wire/raw-http';
import { RawClient } from '../../helpers/wire/raw-client';

const MiB = 1024 * 1024;

const { cliServer, defer } = perTest();

/** Opens a raw client offering permessage-deflate to `url`; destroyed after the test. */
async function deflateClient(url: string): Promise<RawClient> {
  const upgraded = await openUpgraded(portOf(url), { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } });
  expect(upgraded.head.headers['sec-websocket-extensions']).toBe('permessage-deflate');
  defer(() => upgraded.socket.destroy());
  return new RawClient(upgraded);
}

/** A final binary frame with RSV1 set carrying `compressed`, masked with zeros (no copy to mask it). */
function compressedFrame(compressed: Buffer): Buffer {
  return buildFrame({ opcode: Opcode.binary, rsv1: true, payload: compressed, mask: ZERO_MASK });
}

/** `compressed` as one message in frames of at most `size` bytes, RSV1 on the first only (RFC 7692 §6.1). */
function compressedFrames(compressed: Buffer, size: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < compressed.length; at += size) {
    const payload = compressed.subarray(at, at + size);
    const [opcode, fin] = [at === 0 ? Opcode.binary : Opcode.continuation, at + size >= compressed.length];
    frames.push(buildFrame({ opcode, fin, rsv1: at === 0, payload, mask: ZERO_MASK }));
  }
  return frames;
}

describe('deflate bombs take turns', () => {
  it('8 connections each sending 4 bombs of 32 MiB (32 KB compressed) at once: the server grows by under 250 MiB', async () => {
    // Measured: 360-395 MiB of growth with every connection inflating at once; 90-140 MiB with turns.
    const cli = await cliServer(['--deflate', '--max-payload', '32MiB', '--quiet']);
    const before = memoryOf(cli.child.pid!).rss;
    const bomb = compressedFrame(compressMessage(Buffer.alloc(32 * MiB)));
    expect(bomb.length).toBeLessThan(40 * 1024);
    const clients = await Promise.all(Array.from({ length: 8 }, () => deflateClient(cli.url)));
    for (const raw of clients) raw.socket.write(Buffer.concat([bomb, bomb, bomb, bomb]));
    // Every bomb is inflated and echoed (compressed again) in the end.
    for (const raw of clients) {
      for (let i = 0; i < 4; i++) {
        const echo = await raw.nextFrame();
        expect({ opcode: echo.opcode, rsv1: echo.rsv1 }).toEqual({ opcode: Opcode.binary, rsv1: true });
      }
    }
    const grown = (memoryOf(cli.child.pid!).peak - before) / MiB;
    expect(grown).toBeLessThan(250);
  }, 120_000);

  it('the same bombs cut into 1000-byte frames (each under 1 MiB inflated) are counted whole and take turns too', async () => {
    // Measured: 408-410 MiB of growth when each frame was counted on its own; whole frames 134 MiB.
    const cli = await cliServer(['--deflate', '--max-payload', '32MiB', '--quiet']);
    const before = memoryOf(cli.child.pid!).rss;
    const bomb = Buffer.concat(compressedFrames(compressMessage(Buffer.alloc(32 * MiB)), 1000));
    const clients = await Promise.all(Array.from({ length: 8 }, () => deflateClient(cli.url)));
    for (const raw of clients) raw.socket.write(Buffer.concat([bomb, bomb]));
    for (const raw of clients) for (let i = 0; i < 2; i++) expect((await raw.nextFrame()).opcode).toBe(Opcode.binary);
    const grown = (memoryOf(cli.child.pid!).peak - before) / MiB;
    expect(grown).toBeLessThan(250);
  }, 120_000);

  it('a client that stops in the middle of a large fragmented message gives the turn up: another bomb is echoed', async () => {
    const cli = await cliServer(['--deflate', '--max-payload', '32MiB', '--quiet']);
    const frames = compressedFrames(compressMessage(Buffer.alloc(32 * MiB)), 1000);
    const stalling = await deflateClient(cli.url);
    stalling.socket.write(Buffer.concat(frames.slice(0, frames.length / 2))); // about 16 MiB inflated, then nothing
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = await deflateClient(cli.url);
    other.socket.write(compressedFrame(compressMessage(Buffer.alloc(32 * MiB))));
    expect((await other.nextFrame()).opcode).toBe(Opcode.binary);
    stalling.socket.write(Buffer.concat(frames.slice(frames.length / 2))); // its message then completes
    expect((await stalling.nextFrame()).opcode).toBe(Opcode.binary);
  }, 120_000);

  it('clients that leave while their bombs wait for the turn do not hold it: the others are still echoed', async () => {
    const cli = await cliServer(['--deflate', '--max-payload', '32MiB', '--quiet']);
    const bomb = compressedFrame(compressMessage(Buffer.alloc(32 * MiB)));
    const leaving = await Promise.all(Array.from({ length: 4 }, () => deflateClient(cli.url)));
    const staying = await deflateClient(cli.url);
    for (const raw of leaving) raw.socket.write(Buffer.concat([bomb, bomb, bomb]));
    staying.socket.write(Buffer.concat([bomb, bomb]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const raw of leaving) raw.socket.destroy();
    for (let i = 0; i < 2; i++) expect((await staying.nextFrame()).opcode).toBe(Opcode.binary);
    const small = await deflateClient(cli.url);
    small.socket.write(compressedFrame(compressMessage(Buffer.alloc(4096, 0x61))));
    expect(decompressMessage((await small.nextFrame()).payload).equals(Buffer.alloc(4096, 0x61))).toBe(true);
  }, 120_000);

  it('6 clients each sending three 3 MiB compressed messages at once get every echo whole and in order', async () => {
    const cli = await cliServer(['--deflate', '--quiet']);
    const clients = await Promise.all(Array.from({ length: 6 }, () => deflateClient(cli.url)));
    const messages = clients.map((_, c) => [0, 1, 2].map((m) => Buffer.alloc(3 * MiB, `client ${c} message ${m}; `)));
    clients.forEach((raw, c) => {
      raw.socket.write(Buffer.concat(messages[c].map((message) => compressedFrame(compressMessage(message)))));
    });
    // With context takeover each echo may refer back into the ones before it.
    for (const [c, raw] of clients.entries()) {
      let previous: Buffer | undefined;
      for (const message of messages[c]) {
        const echo = await raw.nextFrame();
        const inflated = echo.rsv1 ? decompressMessage(echo.payload, previous ? { previous } : {}) : echo.payload;
        expect(inflated.equals(message)).toBe(true);
        previous = previous ? Buffer.concat([previous, inflated]).subarray(-32 * 1024) : inflated.subarray(-32 * 1024);
      }
    }
  }, 120_000);
});
