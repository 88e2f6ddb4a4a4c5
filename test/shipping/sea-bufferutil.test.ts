// The single executable loads bufferutil's addon from its own SEA asset (through a per-user cache file), says so in
// --version, and falls back to JavaScript silently when it cannot.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runCommand, startCliServer, type StartOptions } from '../helpers/processes/cli';
import { connect } from '../helpers/clients';

const BINARY = path.join(ROOT, 'dist', 'ws-echo');
const ADDON = path.join(
  ROOT,
  'node_modules',
  'bufferutil',
  'prebuilds',
  `${process.platform}-${process.arch}`,
  'bufferutil.node',
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };
/** Root may write anywhere: a read-only folder needs an ordinary user (nobody) to be read-only. */
const NOBODY = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

let dir: string;
let bin: string;

beforeAll(() => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`make binary\` first`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'ws-echo-sea-bufferutil-'));
  chmodSync(dir, 0o755); // nobody must reach the binary
  bin = path.join(dir, 'ws-echo');
  copyFileSync(BINARY, bin);
  chmodSync(bin, 0o755);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An environment with no node on PATH, a HOME of its own, and these extra variables. */
function envWith(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: '/nonexistent', HOME: mkdtempSync(path.join(dir, 'home-')), LANG: 'C', ...extra };
}

/** A fresh, empty folder for XDG_CACHE_HOME. */
function freshCache(): string {
  return mkdtempSync(path.join(dir, 'cache-'));
}

/**
 * Starts the binary, echoes a 1 MiB binary message (masked by the client, unmasked by the server) and a text one, and
 * stops it.
 */
async function expectEchoes(options: StartOptions): Promise<void> {
  const server = await startCliServer(['--quiet'], { command: [bin], cwd: dir, ...options });
  try {
    const client = await connect(server.url);
    const big = Buffer.alloc(1024 * 1024, 0);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 9)) & 0xff;
    client.ws.send(big);
    client.ws.send('héllo, world');
    const [binary, text] = await client.nextMessages(2);
    expect(binary.isBinary).toBe(true);
    expect(binary.data.equals(big)).toBe(true);
    expect([text.data.toString(), text.isBinary]).toEqual(['héllo, world', false]);
    client.ws.close(1000);
    expect(await client.closed).toEqual({ code: 1000, reason: '' });
  } finally {
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  }
  expect(server.stderr()).toBe('');
}

describe('with a writable cache folder', () => {
  let cache: string;
  beforeAll(() => {
    cache = freshCache();
  });

  it('says "bufferutil: native" in --version, after the version', async () => {
    expect(await runCommand(bin, ['--version'], { cwd: dir, env: envWith({ XDG_CACHE_HOME: cache }) })).toEqual({
      code: 0,
      stdout: `${version} (bufferutil: native)\n`,
      stderr: '',
    });
  });

  it('wrote the addon once to the cache, named by its hash', () => {
    const files = readdirSync(path.join(cache, 'ws-echo'));
    expect(files).toEqual([expect.stringMatching(/^bufferutil-[0-9a-f]{16}\.node$/)]);
    expect(readFileSync(path.join(cache, 'ws-echo', files[0])).equals(readFileSync(ADDON))).toBe(true);
  });

  it('replaces a damaged cache file and loads the addon again', async () => {
    const [file] = readdirSync(path.join(cache, 'ws-echo'));
    writeFileSync(path.join(cache, 'ws-echo', file), 'not an addon');
    const { stdout } = await runCommand(bin, ['--version'], { cwd: dir, env: envWith({ XDG_CACHE_HOME: cache }) });
    expect(stdout).toBe(`${version} (bufferutil: native)\n`);
    expect(readFileSync(path.join(cache, 'ws-echo', file)).equals(readFileSync(ADDON))).toBe(true);
    expect(readdirSync(path.join(cache, 'ws-echo'))).toEqual([file]); // no temporary file left behind
  });

  it('echoes 1 MiB binary and text messages with it, printing nothing on stderr', async () => {
    await expectEchoes({ env: envWith({ XDG_CACHE_HOME: cache }) });
  });

  it('uses ~/.cache/ws-echo when XDG_CACHE_HOME is not set', async () => {
    const env = envWith({});
    const { stdout } = await runCommand(bin, ['--version'], { cwd: dir, env });
    expect(stdout).toBe(`${version} (bufferutil: native)\n`);
    expect(readdirSync(path.join(env.HOME as string, '.cache', 'ws-echo'))).toHaveLength(1);
  });
});

describe('falls back to JavaScript, silently', () => {
  it('when the cache folder is read-only: --version says so, and it still echoes', async () => {
    const readOnly = freshCache();
    chmodSync(readOnly, 0o555);
    const env = envWith({ XDG_CACHE_HOME: readOnly });
    expect(await runCommand(bin, ['--version'], { cwd: dir, env, user: NOBODY })).toEqual({
      code: 0,
      stdout: `${version} (bufferutil: javascript)\n`,
      stderr: '',
    });
    expect(readdirSync(readOnly)).toEqual([]);
    await expectEchoes({ env, user: NOBODY });
  });

  it('when HOME is a file, so no cache folder can exist there', async () => {
    const file = path.join(dir, 'home-is-a-file');
    writeFileSync(file, '');
    const { stdout, stderr } = await runCommand(bin, ['--version'], {
      cwd: dir,
      env: { PATH: '/nonexistent', HOME: file },
    });
    expect({ stdout, stderr }).toEqual({ stdout: `${version} (bufferutil: javascript)\n`, stderr: '' });
  });

  // Node 20's recursive mkdirSync loops forever under /proc; a hang here is killed after 10 s and fails.
  it.each([
    ['XDG_CACHE_HOME is under /proc', { XDG_CACHE_HOME: '/proc/none' }],
    ['HOME is under /proc', { HOME: '/proc/none/home' }],
  ])('when %s, without hanging', async (_what, extra) => {
    const started = Date.now();
    const result = await runCommand(bin, ['--version'], {
      cwd: dir,
      env: { ...envWith({}), ...extra },
      timeoutMs: 10_000,
    });
    expect(result).toEqual({ code: 0, stdout: `${version} (bufferutil: javascript)\n`, stderr: '' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('when WS_NO_BUFFER_UTIL turns bufferutil off', async () => {
    const { stdout } = await runCommand(bin, ['--version'], {
      cwd: dir,
      env: envWith({ XDG_CACHE_HOME: freshCache(), WS_NO_BUFFER_UTIL: '1' }),
    });
    expect(stdout).toBe(`${version} (bufferutil: javascript)\n`);
  });
});
