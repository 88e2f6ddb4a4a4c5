// A test's client.send() leaves through the connection's fault queue like an echo: delayed, throttled and fragmented,
// after the echoes queued before it (plain, permessage-deflate, TLS), counted in bufferedAmount while it waits, but
// never counted as an echo by close-after.
import { once } from 'node:events';
import type { EchoClient } from '../../../src';
import { decompressMessage } from '../../helpers/wire/deflate-frames';
import { Opcode, type Frame } from '../../helpers/wire/frames';
import type { RawClient } from '../../helpers/wire/raw-client';
import { perTest } from '../../helpers/per-test';
import { makeTestCert, type TestCert } from '../../helpers/tls-cert';

const { serve, client, rawClient } = perTest();

let cert: TestCert | undefined;
const testCert = (): TestCert => (cert ??= makeTestCert());
afterAll(() => cert?.remove());

/** The frames of the next message on `raw`: the first, then continuations up to the one with FIN. */
async function messageFrames(raw: RawClient): Promise<Frame[]> {
  const frames = [await raw.nextFrame()];
  while (!frames[frames.length - 1].fin) frames.push(await raw.nextFrame());
  return frames;
}

/** A ws client's messages, each with when it arrived (performance.now()). */
function timed(ws: import('ws').WebSocket): Array<{ text: string; at: number }> {
  const seen: Array<{ text: string; at: number }> = [];
  ws.on('message', (data: Buffer) => seen.push({ text: data.toString(), at: performance.now() }));
  return seen;
}

/** Resolves once `seen` holds `count` messages. */
async function arrived(ws: import('ws').WebSocket, seen: unknown[], count: number): Promise<void> {
  while (seen.length < count) await once(ws, 'message');
}

describe.each([
  ['ws://', false, false],
  ['ws:// with permessage-deflate', true, false],
  ['wss://', false, true],
])('%s: a test send with ?delay=300', (_name, deflate, tls) => {
  it('arrives at least 300 ms after the call, after the echo queued before it', async () => {
    const tlsOption = tls ? { tls: { cert: testCert().cert, key: testCert().key } } : {};
    const server = await serve({ deflate, ...tlsOption });
    const ws = await client(`${server.url}?delay=300`, { perMessageDeflate: deflate, ca: testCert().cert });
    expect(ws.ws.extensions).toBe(deflate ? 'permessage-deflate' : '');
    const seen = timed(ws.ws);
    const connection: EchoClient = await server.nextConnection();
    ws.ws.send('echo');
    await connection.nextMessage();
    const sentAt = performance.now();
    connection.send('own');
    await arrived(ws.ws, seen, 2);
    expect(seen.map((m) => m.text)).toEqual(['echo', 'own']);
    expect(seen[1].at - sentAt).toBeGreaterThanOrEqual(299);
  });
});

describe('a test send and the other queue faults', () => {
  it('?fragment=4: arrives in 4-byte frames', async () => {
    const server = await serve();
    const raw = await rawClient({ path: '/?fragment=4' });
    const connection = await server.nextConnection();
    connection.send('abcdefghij');
    const frames = await messageFrames(raw);
    expect(frames.map((f) => [f.opcode, f.payload.toString()])).toEqual([
      [Opcode.text, 'abcd'],
      [Opcode.continuation, 'efgh'],
      [Opcode.continuation, 'ij'],
    ]);
  });

  it('?fragment=4 with permessage-deflate: each 4-byte piece compressed into a frame of its own', async () => {
    const server = await serve({ deflate: true });
    const raw = await rawClient({
      path: '/?fragment=4',
      headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' },
    });
    const connection = await server.nextConnection();
    connection.send(Buffer.from('abcdefghij'));
    const frames = await messageFrames(raw);
    expect(frames.map((f) => [f.opcode, f.rsv1])).toEqual([
      [Opcode.binary, true],
      [Opcode.continuation, false],
      [Opcode.continuation, false],
    ]);
    expect(decompressMessage(Buffer.concat(frames.map((f) => f.payload))).toString()).toBe('abcdefghij');
  });

  it('?throttle=200 (bytes/s): a 60-byte message takes at least 300 ms to arrive', async () => {
    const server = await serve();
    const ws = await client(`${server.url}?throttle=200`);
    const seen = timed(ws.ws);
    const connection = await server.nextConnection();
    const sentAt = performance.now();
    connection.send('x'.repeat(60));
    await arrived(ws.ws, seen, 1);
    expect(seen[0].at - sentAt).toBeGreaterThanOrEqual(299);
  });

  it('?delay=60000: what waits in the queue counts in bufferedAmount (what bounds --stdin and a replay)', async () => {
    const server = await serve();
    await client(`${server.url}?delay=60000`);
    const connection = await server.nextConnection();
    connection.send(Buffer.alloc(1000));
    connection.send('x'.repeat(500));
    expect(connection.bufferedAmount).toBe(1500);
  });

  it('close-after=1 with a delay: the close follows the first echo, not the test send queued before it', async () => {
    const server = await serve();
    const ws = await client(`${server.url}?close-after=1&delay=200`);
    const seen = timed(ws.ws);
    const connection = await server.nextConnection();
    const sentAt = performance.now();
    connection.send('own');
    ws.ws.send('echo');
    const closed = await ws.closed;
    expect(seen.map((m) => m.text)).toEqual(['own', 'echo']);
    expect(seen[0].at - sentAt).toBeGreaterThanOrEqual(199); // delayed as an echo is
    expect(closed.code).toBe(1000);
  });
});
