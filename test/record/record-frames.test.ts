// A fragmented message through the recorder: its line says its frames, and the other side gets the same frames.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { startRecorder, type Recorder } from '../../src';
import { waitUntil } from '../helpers/probe';
import { buildFrame, FrameParser, fragments, Opcode, type Frame } from '../helpers/wire/frames';
import { acceptFor } from '../helpers/wire/raw-http';
import { openRawClient } from '../helpers/wire/raw-client';
import { scratchFile } from '../helpers/upstream/conversation';

/** A target written on raw TCP: answers the upgrade, then keeps every frame it gets; `socket` sends raw bytes. */
interface RawTarget {
  server: Server;
  port: number;
  frames: Frame[];
  socket?: Socket;
}

/** Starts a {@link RawTarget} on a free port. */
async function startRawTarget(): Promise<RawTarget> {
  const target: RawTarget = { server: createServer(), port: 0, frames: [] };
  target.server.on('connection', (socket: Socket) => {
    let head = '';
    const parser = new FrameParser();
    const onData = (chunk: Buffer): void => {
      if (target.socket) return void target.frames.push(...parser.push(chunk));
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const key = /sec-websocket-key: *(\S+)/i.exec(head)![1];
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
      );
      target.socket = socket;
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  });
  target.server.listen(0, '127.0.0.1');
  await once(target.server, 'listening');
  target.port = (target.server.address() as { port: number }).port;
  return target;
}

/** Data frames as `opcode fin payload` strings, for comparing. */
const shown = (frames: Frame[]): string[] =>
  frames.filter((f) => f.opcode < 8).map((f) => `${f.opcode} ${f.fin ? 'fin' : '-'} ${f.payload.toString('hex')}`);

describe('a fragmented message through the recorder', () => {
  let target: RawTarget;
  let recorder: Recorder | undefined;
  afterEach(async () => {
    await recorder?.close();
    target?.socket?.destroy();
    target?.server.close();
  });

  it('is written with the size of each frame, and sent on in the same frames both ways', async () => {
    target = await startRawTarget();
    const out = scratchFile('frames.jsonl');
    recorder = await startRecorder({ target: `ws://127.0.0.1:${target.port}`, out, port: 0 });
    const client = await openRawClient(recorder.port, { path: '/frames' });
    await waitUntil(() => target.socket !== undefined);
    await client.sendFrames(fragments(Opcode.text, ['he', 'llo', ' there']));
    await waitUntil(() => target.frames.length >= 3);
    expect(shown(target.frames)).toEqual(shown(fragments(Opcode.text, ['he', 'llo', ' there']).map(asFrame)));

    const fromTarget = fragments(Opcode.binary, [Buffer.from([1]), Buffer.alloc(0), Buffer.from([2, 3])]);
    target.socket!.write(Buffer.concat(fromTarget.map((spec) => buildFrame({ ...spec, mask: false }))));
    const got = [await client.nextFrame(), await client.nextFrame(), await client.nextFrame()];
    expect(shown(got)).toEqual(shown(fromTarget.map(asFrame)));
    client.destroy();
    await waitUntil(() => recorder!.connections() === 0);
    await recorder.close();
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => 'from' in line)).toEqual([
      { c: 1, from: 'c', t: expect.any(Number), text: 'hello there', frames: [2, 3, 6] },
      { c: 1, from: 's', t: expect.any(Number), binary: 'AQID', frames: [1, 0, 2] },
    ]);
  });

  it('is written without frames when it came compressed (its frames hold compressed bytes), with them when not', async () => {
    const upstream = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
    const got = new Promise<string>((resolve) =>
      upstream.on('connection', (ws) => ws.on('message', (data) => String(data) === 'xyz' && resolve(String(data)))),
    );
    await once(upstream, 'listening');
    const out = scratchFile('compressed.jsonl');
    recorder = await startRecorder({
      target: `ws://127.0.0.1:${(upstream.address() as { port: number }).port}`,
      out,
      port: 0,
    });
    const ws = new WebSocket(`${recorder.url}/z`, { perMessageDeflate: { threshold: 0 } });
    try {
      await once(ws, 'open');
      ws.send('a'.repeat(2000), { fin: false });
      ws.send('b'.repeat(2000), { fin: true });
      ws.send('x', { fin: false, compress: false }); // the same connection, a message sent uncompressed
      ws.send('yz', { fin: true });
      expect(await got).toBe('xyz');
    } finally {
      ws.close();
      await recorder.close();
      upstream.close();
    }
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[1]).toMatchObject({ extensions: expect.stringContaining('permessage-deflate') });
    expect(lines[2]).toEqual({ c: 1, from: 'c', t: expect.any(Number), text: 'a'.repeat(2000) + 'b'.repeat(2000) });
    expect(lines[3]).toEqual({ c: 1, from: 'c', t: expect.any(Number), text: 'xyz', frames: [1, 2] });
  });
});

/** A frame spec as the frame it builds (payload as bytes, unmasked). */
function asFrame(spec: ReturnType<typeof fragments>[number]): Frame {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  return { fin: spec.fin ?? true, rsv1: false, rsv2: false, rsv3: false, opcode: spec.opcode, masked: true, payload };
}
