// Log lines lost because stdout broke (a reader that went away, as in `ws-echo | head -1`, or a full disk, /dev/full)
// are counted in logLinesDropped, and the server keeps echoing.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { BIN, childEnv } from '../helpers/processes/cli';
import { connect } from '../helpers/clients';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil, stopChild } from '../helpers/probe';

const MESSAGES = 3000;

const { defer } = perTest();

/** A port that was free a moment ago (for a server whose stdout cannot be read). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Sends MESSAGES messages (each a log line) and waits for their echoes. */
async function sendMessages(url: string): Promise<void> {
  const c = await connect(url);
  defer(() => c.ws.terminate());
  for (let i = 0; i < MESSAGES; i++) c.ws.send(`message ${i}`);
  await c.nextMessages(MESSAGES);
}

describe('log lines lost to a broken stdout are counted', () => {
  it('after the reader went away (ws-echo | head -1)', async () => {
    const child = spawn(process.execPath, [BIN, '--port', '0'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    defer(() => stopChild(child));
    const url = await new Promise<string>((resolve) => {
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        const match = /listening on (ws:\/\/\S+)/.exec(text);
        if (match) resolve(match[1]);
      });
    });
    child.stdout.destroy(); // what `head -1` does after its line
    await sendMessages(url);
    // Every message line and the connection line are lost.
    const health = await pollUntil(
      () => getHealth(url),
      (h) => h.logLinesDropped >= MESSAGES + 1,
    );
    expect(health.logLinesDropped).toBeGreaterThanOrEqual(MESSAGES + 1);
  });

  it('to /dev/full', async () => {
    const port = await freePort();
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [BIN, '--port', String(port)], {
      env: childEnv(),
      stdio: ['ignore', full, 'pipe'],
    });
    closeSync(full);
    defer(() => stopChild(child));
    const url = `ws://127.0.0.1:${port}`;
    await pollUntil(
      () =>
        getHealth(url).then(
          () => true,
          () => false,
        ),
      (up) => up,
    );
    await sendMessages(url);
    // The listening line, the connection line and every message line are lost.
    const health = await pollUntil(
      () => getHealth(url),
      (h) => h.logLinesDropped >= MESSAGES + 2,
    );
    expect(health.logLinesDropped).toBeGreaterThanOrEqual(MESSAGES + 2);
  });
});
