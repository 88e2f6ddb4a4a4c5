// Messages of many empty fragments toward a target that never reads: the recorder counts each frame it passes on.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { startRecorder } from '../../src';
import { sleep } from '../helpers/probe';
import { buildFrame, Opcode } from '../helpers/wire/frames';
import { scratchFile } from '../helpers/upstream/conversation';

/** Continuation frames (all empty) after the first byte of each message. */
const EMPTY_FRAMES = 2000;
/** Messages the client sends in all. */
const MESSAGES = 1500;

/** A target that answers the upgrade and never reads again: its TCP window fills. */
async function deafTarget(): Promise<Server> {
  const server = createServer((socket) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)![1];
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.pause();
    };
    socket.on('data', onData).on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** One message: a text frame of one byte, then {@link EMPTY_FRAMES} empty continuation frames, the last final. */
function manyFragments(): Buffer {
  const empty = buildFrame({ opcode: Opcode.continuation, fin: false });
  const last = buildFrame({ opcode: Opcode.continuation });
  return Buffer.concat([
    buildFrame({ opcode: Opcode.text, payload: 'a', fin: false }),
    ...Array(EMPTY_FRAMES - 1).fill(empty),
    last,
  ]);
}

describe('a recording of fragmented messages toward a target that never reads', () => {
  it('stops reading the client after a bounded number of frames, not a bounded number of messages', async () => {
    const target = await deafTarget();
    const { port } = target.address() as { port: number };
    const recorder = await startRecorder({
      target: `ws://127.0.0.1:${port}`,
      out: scratchFile('frags.jsonl'),
      port: 0,
    });
    let client: Socket | undefined;
    try {
      client = connect(recorder.port, '127.0.0.1');
      client.write(
        'GET /frags HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      client.on('data', () => undefined);
      const message = manyFragments();
      for (let i = 0; i < MESSAGES; i++) client.write(message);
      // Until the recorder has taken every message, or has taken none for a second.
      let taken = -1;
      while (taken !== recorder.stats().messagesFromClient && taken < MESSAGES) {
        taken = recorder.stats().messagesFromClient;
        await sleep(1000);
      }
      // Past the kernel's buffers, what the recorder holds for the target is bounded: a few messages of 2,000 frames.
      expect(recorder.stats().messagesFromClient).toBeLessThan(MESSAGES / 2);
    } finally {
      client?.destroy();
      await recorder.close();
      target.close();
    }
  }, 120_000);
});
