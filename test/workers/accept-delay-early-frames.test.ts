// --workers with ?accept-delay: frames a client sends before its 101 arrives are all echoed, in order (the CLI as a
// child, raw TCP: a polite client sends nothing before the 101).
import type { Socket } from 'node:net';
import { buildFrame, FrameParser, Opcode } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { pollUntil } from '../helpers/probe';
import { httpRequestText, openTcp, portOf, randomKey, upgradeHeaders } from '../helpers/wire/raw-http';

const { cliServer, defer } = perTest();

/** Milliseconds the 101 is held back. */
const DELAY_MS = 40;

/**
 * Sends an upgrade with `?accept-delay`, then a numbered text frame every millisecond from before the 101 until
 * shortly after it (some arrive while the worker asks the primary for the connection's slot); resolves with what was
 * sent and what came back once every frame was echoed or the wait ran out.
 */
async function framesAroundThe101(port: number): Promise<{ sent: string[]; echoed: string[] }> {
  const socket: Socket = await openTcp(port);
  defer(() => socket.destroy());
  const path = `/?accept-delay=${DELAY_MS}`;
  socket.write(httpRequestText('GET', path, upgradeHeaders(port, randomKey())));
  const sent: string[] = [];
  const echoed: string[] = [];
  const parser = new FrameParser();
  let received = Buffer.alloc(0);
  let headSeenAt: number | undefined;
  socket.on('data', (chunk: Buffer) => {
    if (headSeenAt === undefined) {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      headSeenAt = Date.now();
      chunk = received.subarray(end + 4);
    }
    for (const frame of parser.push(chunk)) echoed.push(frame.payload.toString());
  });
  const started = Date.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now();
      if ((headSeenAt !== undefined && now - headSeenAt > 20) || now - started > 5000) {
        clearInterval(timer);
        return resolve();
      }
      if (now - started < DELAY_MS - 10) return; // the first few land in the held-back bytes anyway
      const text = String(sent.length);
      sent.push(text);
      socket.write(buildFrame({ opcode: Opcode.text, payload: text }));
    }, 1);
  });
  await pollUntil(
    () => echoed.length,
    (n) => n >= sent.length,
    50,
  );
  return { sent, echoed };
}

describe('--workers: ?accept-delay', () => {
  it('frames sent before and right after the 101 are all echoed, in order', async () => {
    const server = await cliServer(['--workers', '2']);
    for (let round = 0; round < 10; round++) {
      const { sent, echoed } = await framesAroundThe101(portOf(server.url));
      expect(sent.length).toBeGreaterThan(0);
      expect([round, echoed]).toEqual([round, sent]);
    }
  });
});
