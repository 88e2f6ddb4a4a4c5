// `npx ws-echo` in a checkout, each case from an npm cache of its own: an unbuilt clone says in one line what to do, a
// built one runs at once without compiling, and neither a first call nor a Ctrl-C during it breaks the next call.
import {
  copyFileSync,
  existsSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { childEnv, expectSuccess, ROOT, runCommand, type RunResult } from '../helpers/processes/cli';
import { readUntil } from '../helpers/processes/descendants';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

const NPX_TIMEOUT = 60_000;
/** What a clone's `make build` leaves that the cases need: the runtime dependencies, and TypeScript for `prepare`. */
const INSTALLED = ['ws', 'commander', 'chalk', 'prom-client', 'bufferutil', 'typescript', '@types/node', '@types/ws'];

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'ws-echo-npx-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A fresh clone of this checkout's files as they are now: tracked and new ones, no dist/, no node_modules. */
async function freshClone(name: string): Promise<string> {
  const clone = path.join(work, name);
  const listed = await runCommand('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
  });
  expectSuccess(listed, 'git ls-files');
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
    try {
      copyFileSync(path.join(ROOT, file), path.join(clone, file));
    } catch {
      // deleted in the work tree but still tracked: a clone of the commit-to-be would not have it
    }
  }
  return clone;
}

/** What `make build` gives a clone, from this checkout's: node_modules (the packages {@link INSTALLED}) and dist/. */
function build(clone: string): void {
  for (const name of INSTALLED) {
    mkdirSync(path.dirname(path.join(clone, 'node_modules', name)), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules', name), path.join(clone, 'node_modules', name), 'dir');
  }
  cpSync(path.join(ROOT, 'dist'), path.join(clone, 'dist'), { recursive: true });
}

/** The environment of one case: its own empty npm cache, offline, no update check. */
function npmEnv(name: string): NodeJS.ProcessEnv {
  return childEnv({
    npm_config_cache: path.join(work, `${name}-cache`),
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
  });
}

/** `npx ws-echo args...` in `cwd`, to its end. */
function npx(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<RunResult> {
  return runCommand('npx', ['ws-echo', ...args], { cwd, env, timeoutMs: NPX_TIMEOUT });
}

describe('npx ws-echo in a fresh clone that was never built', () => {
  it(
    'says in one line to build, exit 1, on the first and the next call; once built, the next call runs',
    async () => {
      const clone = await freshClone('fresh');
      const env = npmEnv('fresh');
      const notBuilt = {
        code: 1,
        stdout: '',
        stderr: `ws-echo is not built: run \`make build\` (or npm install) in ${clone}\n`,
      };
      expect(await npx(clone, env, ['--mode', 'forever', '--port', '0'])).toEqual(notBuilt);
      expect(await npx(clone, env, ['--version'])).toEqual(notBuilt);
      build(clone);
      const built = await npx(clone, env, ['--version']);
      expectSuccess(built, 'npx ws-echo --version after the build');
      expect(built.stdout).toMatch(
        new RegExp(`^${version.replace(/\./g, '\\.')} \\(bufferutil: (native|javascript)\\)\n$`),
      );
    },
    3 * NPX_TIMEOUT,
  );
});

describe('npx ws-echo in a built checkout', () => {
  it(
    "runs the README's command on the first call without compiling (dist/ untouched), and stops on Ctrl-C",
    async () => {
      const clone = await freshClone('built');
      build(clone);
      const compiled = statSync(path.join(clone, 'dist', 'main.js')).mtimeMs;
      const child = spawn('npx', ['ws-echo', '--mode', 'forever', '--port', '0'], {
        cwd: clone,
        env: npmEnv('built'),
        detached: true,
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await readUntil(child.stdout, /listening on ws:\/\/127\.0\.0\.1:\d+ \(mode: forever\)/);
      } finally {
        process.kill(-(child.pid as number), 'SIGINT');
      }
      await exited;
      expect(statSync(path.join(clone, 'dist', 'main.js')).mtimeMs).toBe(compiled);
    },
    NPX_TIMEOUT,
  );

  it(
    "a Ctrl-C while the first call's prepare runs leaves a cache the next call uses",
    async () => {
      const clone = await freshClone('interrupted');
      build(clone);
      const env = npmEnv('interrupted');
      const cache = path.join(env.npm_config_cache as string, '_npx');
      const commandLinked = (): boolean =>
        existsSync(cache) &&
        readdirSync(cache).some((hash) => existsSync(path.join(cache, hash, 'node_modules', '.bin', 'ws-echo')));
      // Ctrl-C to the whole process group, as a terminal sends it, once npm's cache has the checkout and its command
      // linked: npm records them (its package.json there) only after prepare; without them the next call fails.
      const child = spawn('npx', ['ws-echo', '--mode', 'forever', '--port', '0'], { cwd: clone, env, detached: true });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      let ended = false;
      void exited.then(() => (ended = true));
      while (!ended && !commandLinked()) await new Promise((resolve) => setTimeout(resolve, 2));
      if (!ended) process.kill(-(child.pid as number), 'SIGINT');
      await exited;
      expect(readdirSync(path.join(env.npm_config_cache as string, '_npx'))).toHaveLength(1);
      const next = await npx(clone, env, ['--version']);
      expectSuccess(next, 'npx ws-echo --version after an interrupted first call');
      expect(next.stdout).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')} `));
    },
    2 * NPX_TIMEOUT,
  );
});
