// Backpressure with --deflate: a client that sends compressed messages and never reads its compressed echoes is
// stopped, and the server stays small.
import { memoryOf } from '../../helpers/cli';
import { compressMessage, noise } from '../../helpers/deflate-frames';
import { buildFrame, Opcode, ZERO_MASK } from '../../helpers/frames';
import { perTest } from '../../helpers/per-test';
import { flood } from '../../helpers/raw-client';
import { openUpgraded, portOf } from '../../helpers/raw-http';

const MiB = 1024 * 1024;
/**
 * Peak RSS growth allowed: the 1 MiB echo queue, zlib streams and garbage; a server that queued every echo would grow
 * by the ~100 MiB sent.
 */
const GROWTH_BOUND = 64 * MiB;
/** No 'drain' for this long means the server stopped reading. */
const STALL_MS = 2000;

const { cliServer, client, defer } = perTest();

describe('backpressure with compression', () => {
  it('a client flooding compressed messages without reading gets stuck, the server stays small and serves others', async () => {
    const cli = await cliServer(['--quiet', '--deflate']);
    const pid = cli.child.pid ?? NaN;
    const baseline = memoryOf(pid).rss;
    const { socket, head } = await openUpgraded(portOf(cli.url), {
      headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' },
    });
    defer(() => socket.destroy());
    expect(head.headers['sec-websocket-extensions']).toBe('permessage-deflate');
    // Incompressible data, so the echoes the server compresses stay as large as the messages.
    const frame = buildFrame({
      opcode: Opcode.binary,
      rsv1: true,
      payload: compressMessage(noise(64 * 1024, 5)),
      mask: ZERO_MASK,
    });
    const flooding = flood(socket, frame, 100 * MiB, STALL_MS);
    expect(await flooding.stuck).toBe(true);

    const other = await client(cli.url, { perMessageDeflate: true });
    other.ws.send('still served');
    expect(String((await other.nextMessages(1))[0].data)).toBe('still served');
    expect(flooding.waitingForDrain).toBe(true);
    expect(memoryOf(pid).peak - baseline).toBeLessThan(GROWTH_BOUND);
  });
});
