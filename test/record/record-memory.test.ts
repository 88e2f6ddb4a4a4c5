// A long recording: the recorder (in its own process, heap measured after gc) stays bounded, and the file holds it all.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket, { WebSocketServer } from 'ws';
import { ROOT } from '../helpers/processes/cli';
import { scratchFile } from '../helpers/upstream/conversation';

/** Round trips recorded (each a message from the client and its echo from the target): 2 lines each. */
const ROUND_TRIPS = 200_000;
const MESSAGE = 'x'.repeat(1024);
/** Messages the client keeps in flight. */
const WINDOW = 64;
/** Heap growth allowed between 10% and 100% of the recording. */
const HEAP_GROWTH_LIMIT = 4 * 1024 * 1024;

/** The recorder process: startRecorder() from the build, answering 'heap' with heapUsed after gc, and 'close'. */
const RECORDER = `
const { startRecorder } = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
const [target, out] = process.argv.slice(-2);
startRecorder({ target, out, port: 0 }).then((recorder) => {
  process.send({ port: recorder.port });
  process.on('message', async (what) => {
    if (what === 'close') await recorder.close();
    global.gc();
    global.gc();
    process.send({ heapUsed: process.memoryUsage().heapUsed, stats: recorder.stats() });
    if (what === 'close') process.disconnect();
  });
});
`;

/** Asks the recorder process `what` ('heap' or 'close'); resolves with its answer. */
async function ask(child: ChildProcess, what: string): Promise<{ heapUsed: number; stats: Record<string, number> }> {
  const answer = once(child, 'message');
  child.send(what);
  return (await answer)[0] as { heapUsed: number; stats: Record<string, number> };
}

/** Sends `count` messages through `ws`, at most {@link WINDOW} unanswered; resolves when all are echoed. */
function roundTrips(ws: WebSocket, count: number): Promise<void> {
  let sent = 0;
  let echoed = 0;
  return new Promise((resolve) => {
    const onMessage = (): void => {
      echoed++;
      if (sent < count) {
        sent++;
        ws.send(MESSAGE);
      }
      if (echoed < count) return;
      ws.off('message', onMessage);
      resolve();
    };
    ws.on('message', onMessage);
    for (; sent < Math.min(WINDOW, count); sent++) ws.send(MESSAGE);
  });
}

/** Lines of `file` from the client and from the server. */
async function linesOf(file: string): Promise<{ c: number; s: number }> {
  const counts = { c: 0, s: 0 };
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line.includes('"from":"c"')) counts.c++;
    else if (line.includes('"from":"s"')) counts.s++;
  }
  return counts;
}

describe('a long recording', () => {
  it(`keeps the recorder's heap bounded over ${ROUND_TRIPS} round trips of 1 KiB, and writes every line`, async () => {
    const target = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    target.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    await once(target, 'listening');
    const out = scratchFile('long.jsonl');
    const targetUrl = `ws://127.0.0.1:${(target.address() as { port: number }).port}`;
    const child = spawn(process.execPath, ['--expose-gc', '-e', RECORDER, targetUrl, out], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      const [{ port }] = (await once(child, 'message')) as [{ port: number }];
      const ws = new WebSocket(`ws://127.0.0.1:${port}/long`, { perMessageDeflate: false });
      await once(ws, 'open');
      await roundTrips(ws, ROUND_TRIPS / 10);
      const early = await ask(child, 'heap');
      await roundTrips(ws, ROUND_TRIPS - ROUND_TRIPS / 10);
      const late = await ask(child, 'heap');
      ws.close();
      await once(ws, 'close');
      const closed = await ask(child, 'close');
      process.stdout.write(
        `recorder heapUsed after gc: ${early.heapUsed} at 10%, ${late.heapUsed} at 100% ` +
          `(growth ${late.heapUsed - early.heapUsed} bytes); ${closed.stats.linesWritten} lines written\n`,
      );
      expect(late.heapUsed - early.heapUsed).toBeLessThan(HEAP_GROWTH_LIMIT);
      expect(closed.stats).toMatchObject({ messagesFromClient: ROUND_TRIPS, messagesFromServer: ROUND_TRIPS });
      expect(await linesOf(out)).toEqual({ c: ROUND_TRIPS, s: ROUND_TRIPS });
    } finally {
      child.kill();
      target.close();
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
