// The single executable (dist/ws-echo, built by `make binary`) runs on its own: copied into
// an empty folder, with no `node` on PATH, it answers --version and --help and echoes in
// every mode, printing nothing on stderr.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runCommand } from '../helpers/processes/cli';
import { checkCliInMode, MODE_CHECK_TIMEOUT, MODE_CHECKS } from '../helpers/mode-checks';

const BINARY = path.join(ROOT, 'dist', 'ws-echo');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

let dir: string;
let bin: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`make binary\` first`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'ws-echo-binary-'));
  chmodSync(dir, 0o755); // so the unprivileged user below can reach the binary
  bin = path.join(dir, 'ws-echo');
  copyFileSync(BINARY, bin);
  chmodSync(bin, 0o755);
  // PATH is a folder with nothing in it: the binary must not need a `node` (nor anything else).
  env = { PATH: mkdtempSync(path.join(dir, 'path-')), HOME: mkdtempSync(path.join(dir, 'home-')), LANG: 'C' };
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the copied binary to completion. */
function runBinary(args: string[]): ReturnType<typeof runCommand> {
  return runCommand(bin, args, { cwd: dir, env });
}

it('runs with no node on PATH', () => {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  expect(dirs.length).toBeGreaterThan(0);
  expect(dirs.filter((folder) => existsSync(path.join(folder, 'node')))).toEqual([]);
});

it('prints the package version for --version, then how ws masks frames', async () => {
  expect(await runBinary(['--version'])).toEqual({ code: 0, stdout: `${version} (bufferutil: native)\n`, stderr: '' });
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

it('says a privileged port needs privileges, and exits 1', async () => {
  // Ports below this need privileges (CAP_NET_BIND_SERVICE); root has them, so run as nobody.
  const firstFree = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  expect(firstFree).toBeGreaterThan(1); // a machine with no privileged ports cannot show this error
  const port = firstFree - 1;
  const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  const { code, stdout, stderr } = await runCommand(bin, ['--port', String(port)], { cwd: dir, env, user });
  expect({ code, stdout, stderr }).toEqual({
    code: 1,
    stdout: '',
    stderr: `error: port ${port} needs elevated privileges on 127.0.0.1; choose a port above 1023, or --port 0 for a free one\n`,
  });
});

describe('echo modes, through the single executable', () => {
  it.each(MODE_CHECKS)(
    '$mode: $behaviour; exits 0 on SIGTERM with nothing on stderr',
    (check) => checkCliInMode(check, { command: [bin], cwd: dir, env, args: ['--no-color'] }),
    MODE_CHECK_TIMEOUT,
  );
});
