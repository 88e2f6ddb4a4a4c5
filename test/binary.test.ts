// The single executable (dist/ws-echo, built by `make binary`) runs on its own: copied into
// an empty folder, with no `node` on PATH, it answers --version and --help and echoes in
// every mode, printing nothing on stderr.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers/cli';
import { connect } from './helpers/clients';

const BINARY = path.join(ROOT, 'dist', 'ws-echo');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

let dir: string;
let bin: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`make binary\` first`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'ws-echo-binary-'));
  bin = path.join(dir, 'ws-echo');
  copyFileSync(BINARY, bin);
  chmodSync(bin, 0o755);
  // PATH is a folder with nothing in it: the binary must not need a `node` (nor anything else).
  env = { PATH: mkdtempSync(path.join(dir, 'path-')), HOME: mkdtempSync(path.join(dir, 'home-')), LANG: 'C' };
});

afterAll(() => {
  children.forEach((child) => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the copied binary to completion. */
function runBinary(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: dir, env }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

/** Starts the copied binary on a free port and resolves once it printed its listening line. */
async function startBinary(args: string[]) {
  const child = spawn(bin, ['--port', '0', '--no-color', ...args], { cwd: dir, env, stdio: 'pipe' });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = await new Promise<RegExpMatchArray>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = stdout.match(/^ws-echo listening on (ws:\/\/\S+) \(mode: (\S+)\)$/m);
      if (match) resolve(match);
    });
    child.once('error', reject);
    void exited.then(({ code }) => reject(new Error(`exited (${code}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`)));
  });
  return { child, url: listening[1], mode: listening[2], exited, stdout: () => stdout, stderr: () => stderr };
}

/** SIGTERMs the binary and checks it stopped cleanly with nothing on stderr. */
async function stopCleanly(server: Awaited<ReturnType<typeof startBinary>>): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(server.stderr()).toBe('');
  expect(server.stdout()).toMatch(/^summary: /m);
}

it('runs with no node on PATH', () => {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  expect(dirs.length).toBeGreaterThan(0);
  expect(dirs.filter((folder) => existsSync(path.join(folder, 'node')))).toEqual([]);
});

it('prints the package version for --version', async () => {
  expect(await runBinary(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
});

it('prints usage with every mode for --help', async () => {
  const { code, stdout, stderr } = await runBinary(['--help']);
  expect(code).toBe(0);
  expect(stderr).toBe('');
  expect(stdout).toMatch(/^Usage: ws-echo \[options\]/);
  for (const mode of ['one-shot', 'whole-message', 'forever', 'graceful']) expect(stdout).toContain(`  ${mode} `);
});

it('exits 2 on a usage error', async () => {
  const { code, stderr } = await runBinary(['--mode', 'sideways']);
  expect(code).toBe(2);
  expect(stderr).toMatch(/sideways/);
});

describe('echo modes, through the single executable', () => {
  const TWENTY = 'abcdefghijklmnopqrst';

  it('one-shot: a 20-byte message comes back as its first 8 bytes, then the TCP connection drops (1006)', async () => {
    const server = await startBinary(['--mode', 'one-shot']);
    expect(server.mode).toBe('one-shot');
    expect(server.stderr()).toBe('');
    const client = await connect(server.url);
    client.ws.send(TWENTY);
    const [echo] = await client.nextMessages(1);
    expect(echo.data.toString()).toBe('abcdefgh');
    expect(echo.isBinary).toBe(false);
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    expect(client.received).toHaveLength(1);
    await stopCleanly(server);
  });

  it('whole-message: the whole first message comes back, then the TCP connection drops (1006)', async () => {
    const server = await startBinary(['--mode', 'whole-message']);
    expect(server.mode).toBe('whole-message');
    expect(server.stderr()).toBe('');
    const client = await connect(server.url);
    client.ws.send(Buffer.from(TWENTY), { binary: true });
    const [echo] = await client.nextMessages(1);
    expect(echo.data.toString()).toBe(TWENTY);
    expect(echo.isBinary).toBe(true);
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    expect(client.received).toHaveLength(1);
    await stopCleanly(server);
  });

  it("forever: echoes every message; the client's close frame gets no answer (1006)", async () => {
    const server = await startBinary(['--mode', 'forever']);
    expect(server.mode).toBe('forever');
    expect(server.stderr()).toBe('');
    const client = await connect(server.url);
    client.ws.send('first');
    client.ws.send('second');
    const echoes = await client.nextMessages(2);
    expect(echoes.map((m) => m.data.toString())).toEqual(['first', 'second']);
    client.ws.close(1000, 'done');
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    await stopCleanly(server);
  });

  it("graceful: echoes every message and completes the close handshake with the client's code", async () => {
    const server = await startBinary(['--mode', 'graceful']);
    expect(server.mode).toBe('graceful');
    expect(server.stderr()).toBe('');
    const client = await connect(server.url);
    client.ws.send('first');
    client.ws.send('second');
    const echoes = await client.nextMessages(2);
    expect(echoes.map((m) => m.data.toString())).toEqual(['first', 'second']);
    client.ws.close(4000, 'bye');
    expect(await client.closed).toEqual({ code: 4000, reason: 'bye' });
    await stopCleanly(server);
  });
});
