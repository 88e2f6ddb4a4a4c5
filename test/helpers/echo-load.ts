// Pipelined echo load from one ws client (open it with clients.ts openClient), checking every echo, with a liveness
// watchdog; and a server's memory once such load has warmed it up.
import type WebSocket from 'ws';
import { memoryOf } from './processes/cli';
import { closeClient, openClient } from './clients';

/** How much load to send. */
export interface EchoLoad {
  /** Messages to send. */
  count: number;
  /** Bytes per message (at least 16: each carries its sequence number). */
  size: number;
  /** Messages in flight at once. */
  window: number;
  /**
   * Fail if no echo arrives for this long. A liveness bound, not a speed check: it turns a
   * stalled server (which would otherwise hang the test until Jest's timeout) into a clear failure.
   */
  stallMs?: number;
}

/** The `i`th test message: its number, then filler, as text. */
export function loadMessage(i: number, size: number): string {
  const head = `#${String(i).padStart(10, '0')} `;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

/**
 * Sends `count` text messages over `ws` (already open), keeping `window` in flight, and
 * resolves with the number of echoes that came back equal and in order. Rejects if an
 * echo differs, the connection closes first, or nothing arrives for `stallMs`.
 */
export function echoMany(ws: WebSocket, load: EchoLoad): Promise<number> {
  const { count, size, window } = load;
  const stallMs = load.stallMs ?? 15_000;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let echoed = 0;
    let progressed = true;
    const watchdog = setInterval(() => {
      if (!progressed) finish(new Error(`echo stalled: ${echoed} of ${count} echoes after ${stallMs} ms without one`));
      progressed = false;
    }, stallMs);
    const finish = (error?: Error): void => {
      clearInterval(watchdog);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (error) reject(error);
      else resolve(echoed);
    };
    const onClose = (code: number): void => finish(new Error(`closed (${code}) after ${echoed} of ${count} echoes`));
    const onMessage = (data: Buffer): void => {
      progressed = true;
      const expected = loadMessage(echoed, size);
      if (data.length !== expected.length || data.toString() !== expected) {
        finish(new Error(`echo ${echoed} differs: ${data.toString().slice(0, 40)}…`));
        return;
      }
      echoed++;
      if (echoed === count) return finish();
      if (sent < count) ws.send(loadMessage(sent++, size));
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
    while (sent < Math.min(window, count)) ws.send(loadMessage(sent++, size));
  });
}

/**
 * The resident memory of the server process `pid` (listening at `url`) once its echo path has run: 200 echoes of 1 KiB
 * from a client that then closes, so code loaded on first use is not counted as growth later.
 */
export async function warmedRss(url: string, pid: number): Promise<number> {
  const warm = await openClient(url);
  await echoMany(warm, { count: 200, size: 1024, window: 20 });
  await closeClient(warm);
  return memoryOf(pid).rss;
}
