// The bench's native load generator (test/bench/loadgen/) checks every echo: it passes a correct server and names what
// a wrong one got wrong.
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ROOT } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';

interface LoadgenResult {
  mode: string;
  messages?: number;
  msgPerSec?: number;
  serverCpuSeconds?: number;
  latencyUs?: { p50: number; p99: number };
  opened?: number;
  bytesPerConn?: number;
  errors: string[];
  errorCount: number;
}

const its = perTest();
let dir: string;
let loadgen: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ws-echo-loadgen-'));
  loadgen = path.join(dir, 'loadgen');
  const sources = ['main.c', 'websocket.c', 'measure.c'].map((file) =>
    path.join(ROOT, 'test', 'bench', 'loadgen', file),
  );
  execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', loadgen, ...sources]);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the load generator to its end against 127.0.0.1:port; resolves with its exit code and JSON. */
function runLoadgen(port: number, args: string[]): Promise<{ code: number; result: LoadgenResult }> {
  return new Promise((resolve, reject) => {
    execFile(
      loadgen,
      ['--port', String(port), '--seconds', '0.2', '--warmup', '0.05', ...args],
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code) : 0;
        try {
          resolve({ code, result: JSON.parse(stdout) as LoadgenResult });
        } catch {
          reject(new Error(`no JSON from the load generator (exit ${code}): ${stdout} ${stderr}`));
        }
      },
    );
  });
}

/** A ws server on a free port whose answer to each message is `reply`; closed after the test. */
async function faultyServer(
  reply: (ws: WebSocket, data: Buffer, isBinary: boolean, index: number) => void,
): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    let index = 0;
    ws.on('error', () => undefined);
    ws.on('message', (data: RawData, isBinary: boolean) => reply(ws, data as Buffer, isBinary, index++));
  });
  its.defer(async () => {
    wss.clients.forEach((client) => client.terminate());
    await new Promise((resolve) => wss.close(resolve));
  });
  return (wss.address() as AddressInfo).port;
}

describe('against ws-echo', () => {
  it.each([
    ['64 B text, 4 connections x 16 in flight', ['--conns', '4', '--inflight', '16', '--size', '64']],
    ['16 KiB binary, 2 x 4', ['--conns', '2', '--inflight', '4', '--size', '16384', '--binary']],
    ['1 MiB binary, 1 x 2', ['--inflight', '2', '--size', '1048576', '--binary']],
    ['an empty text message, ping-pong', ['--size', '0']],
  ])('%s: every echo right, the server CPU measured, latency given', async (_name, args) => {
    const server = await its.serve({ mode: 'graceful' });
    const { code, result } = await runLoadgen(server.port, [...args, '--server-pids', String(process.pid)]);
    expect({ code, errors: result.errors }).toEqual({ code: 0, errors: [] });
    expect(result.messages).toBeGreaterThan(0);
    expect(result.serverCpuSeconds).toBeGreaterThan(0);
    expect(result.latencyUs?.p99).toBeGreaterThanOrEqual(result.latencyUs?.p50 ?? Infinity);
    expect(server.stats().messagesEchoed).toBeGreaterThanOrEqual(result.messages ?? Infinity);
  });

  it('idle mode opens the connections, each echoing one message, and reports memory per connection', async () => {
    const server = await its.serve();
    const { code, result } = await runLoadgen(server.port, [
      '--mode',
      'idle',
      '--conns',
      '50',
      '--settle-ms',
      '10',
      '--server-pids',
      String(process.pid),
    ]);
    expect({ code, errors: result.errors, opened: result.opened }).toEqual({ code: 0, errors: [], opened: 50 });
    expect(server.connections()).toBe(0); // it closed them all on exit
    expect(typeof result.bytesPerConn).toBe('number');
  });

  it('fails on a server that cuts echoes (one-shot mode)', async () => {
    const server = await its.serve({ mode: 'one-shot' });
    const { code, result } = await runLoadgen(server.port, ['--size', '64']);
    expect(code).toBe(1);
    expect(result.errors[0]).toBe('echo 0: 8 bytes, expected 64');
  });
});

describe('names what a wrong echo got wrong', () => {
  it('one changed byte', async () => {
    const port = await faultyServer((ws, data, isBinary, index) => {
      const copy = Buffer.from(data);
      if (index === 3) copy[100] ^= 1;
      ws.send(copy, { binary: isBinary });
    });
    const { code, result } = await runLoadgen(port, ['--size', '1000', '--binary']);
    expect(code).toBe(1);
    expect(result.errors[0]).toMatch(/^echo 3: content differs from what was sent \(near byte \d+\)$/);
  });

  it('echoes out of order', async () => {
    let held: Buffer | undefined;
    const port = await faultyServer((ws, data, isBinary, index) => {
      if (index === 1) held = Buffer.from(data);
      else ws.send(data, { binary: isBinary });
      if (index === 2 && held) ws.send(held, { binary: isBinary });
    });
    const { code, result } = await runLoadgen(port, ['--size', '64', '--inflight', '4']);
    expect(code).toBe(1);
    expect(result.errors[0]).toMatch(/^echo 1: content differs/);
  });

  it('binary for text', async () => {
    const port = await faultyServer((ws, data) => ws.send(data, { binary: true }));
    const { result } = await runLoadgen(port, ['--size', '64']);
    expect(result.errors[0]).toBe('echo 0: first byte 0x82, expected 0x81 (FIN, text)');
  });

  it('a shorter echo', async () => {
    const port = await faultyServer((ws, data, isBinary) => ws.send(data.subarray(1), { binary: isBinary }));
    const { result } = await runLoadgen(port, ['--size', '16384', '--binary']);
    expect(result.errors[0]).toBe('echo 0: 16383 bytes, expected 16384');
  });

  it('a TCP drop instead of a close handshake', async () => {
    const port = await faultyServer((ws, data, isBinary, index) =>
      index < 5 ? ws.send(data, { binary: isBinary }) : ws.terminate(),
    );
    const { code, result } = await runLoadgen(port, ['--size', '64']);
    expect(code).toBe(1);
    expect(result.errors[0]).toBe('the server closed a connection with no close frame');
  });

  it('a refused handshake', async () => {
    const server = await its.serve({ path: '/only-here' });
    const { code, result } = await runLoadgen(server.port, ['--size', '64']);
    expect(code).toBe(1);
    expect(result.errors[0]).toMatch(/^handshake refused: HTTP\/1\.1 404/);
  });
});
