// Shared by the replay tests: the Python upstream as a child process, and the client under test with what it saw.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

/** Debian's Python, which has python3-websockets (a pyenv `python3` on PATH may not). */
export const PYTHON = '/usr/bin/python3';

/** What the client saw: the subprotocol, each message with its arrival time since open, and the close. */
export interface Seen {
  protocol: string;
  messages: { data: string; isBinary: boolean; atMs: number }[];
  close: { code: number; reason: string };
}

/** A fresh folder for a test's transcript. */
export const scratchFile = (name: string): string =>
  path.join(mkdtempSync(path.join(tmpdir(), 'ws-echo-replay-')), name);

/**
 * Starts upstream.py with `args` (`--script pings`, `--cert C --key K` for wss://, `--client-ca CA`); resolves with
 * its URL and the child (kill it after the test).
 */
export function startUpstream(args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const scheme = args.includes('--cert') ? 'wss' : 'ws';
  const child = spawn(PYTHON, [path.join(__dirname, 'upstream.py'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`upstream.py exited with ${code} before listening`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /listening on (\d+)/.exec(out)?.[1];
      if (port) resolve({ url: `${scheme}://127.0.0.1:${port}`, child });
    });
  });
}

/**
 * The client under test: offers two subprotocols, sends a credential and a trace header, says hello with id 7,
 * and when the tick comes sends 2 bytes; records everything it sees until the close.
 */
export function runClient(url: string, hello: string = JSON.stringify({ op: 'hello', id: 7 })): Promise<Seen> {
  const ws = new WebSocket(url, ['v1.chat', 'v2.chat'], {
    headers: { Authorization: 'Bearer secret', 'X-Trace': 't1' },
  }); // the upstream speaks only v2.chat: not the first offer
  const seen: Seen = { protocol: '', messages: [], close: { code: 0, reason: '' } };
  let openedAt = 0;
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      openedAt = performance.now();
      seen.protocol = ws.protocol;
      ws.send(hello);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? data.toString('hex') : data.toString();
      seen.messages.push({ data: text, isBinary, atMs: performance.now() - openedAt });
      if (!isBinary && JSON.parse(text).op === 'tick') ws.send(Buffer.from([2, 3]));
    });
    ws.once('close', (code, reason) => {
      seen.close = { code, reason: reason.toString() };
      resolve(seen);
    });
  });
}
