// How a new user gets ws-echo while the name is not on the npm registry: a git install builds dist/ in `prepare` and
// runs; an unbuilt checkout says to build in one line; `make run` rebuilds only when a source changed.
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, expectSuccess, ROOT, runCommand } from '../helpers/processes/cli';
import { checkCliInMode, MODE_CHECK_TIMEOUT, MODE_CHECKS } from '../helpers/mode-checks';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

const INSTALL_TIMEOUT = 600_000;

let work: string;
let app: string;

/**
 * A git repository holding this checkout's files as they are now (tracked and new, minus
 * what .gitignore leaves out: no dist/, no node_modules), committed, as a clone would have them.
 */
async function snapshotRepository(into: string): Promise<void> {
  const listed = await runCommand('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
  });
  expectSuccess(listed, 'git ls-files');
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const target = path.join(into, file);
    mkdirSync(path.dirname(target), { recursive: true });
    try {
      copyFileSync(path.join(ROOT, file), target);
    } catch {
      // deleted in the work tree but still tracked: a clone of the commit-to-be would not have it
    }
  }
  const git = (args: string[]): ReturnType<typeof runCommand> =>
    runCommand('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: into });
  expectSuccess(await git(['init', '-q']), 'git init');
  expectSuccess(await git(['add', '-A']), 'git add');
  expectSuccess(await git(['commit', '-qm', 'snapshot']), 'git commit');
}

beforeAll(async () => {
  work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'ws-echo-git-')));
  const repo = path.join(work, 'ws-echo');
  mkdirSync(repo);
  await snapshotRepository(repo);
  app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'ws-echo-git-consumer', version: '1.0.0', private: true }) + '\n',
  );
  const installed = await runCommand(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${repo}`],
    { cwd: app },
  );
  expectSuccess(installed, 'npm install git+file://...');
}, INSTALL_TIMEOUT);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('installed from a git URL into an empty project', () => {
  it('`npx ws-echo --version` prints the package version (prepare built dist/)', async () => {
    // From an empty npm cache, offline: npx finds the installed command and needs nothing else.
    const env = childEnv({ npm_config_cache: path.join(work, 'npx-cache'), npm_config_offline: 'true' });
    const result = await runCommand('npx', ['ws-echo', '--version'], { cwd: app, env });
    expectSuccess(result, 'npx ws-echo --version');
    expect(result.stdout.trim()).toMatch(
      new RegExp(`^${version.replace(/\./g, '\\.')} \\(bufferutil: (native|javascript)\\)$`),
    );
  });

  it.each(MODE_CHECKS.filter((check) => check.mode === 'graceful'))(
    'the installed CLI, --mode $mode: $behaviour',
    (check) => checkCliInMode(check, { command: [path.join(app, 'node_modules', '.bin', 'ws-echo')] }),
    MODE_CHECK_TIMEOUT,
  );
});

describe('a checkout that was never built', () => {
  it('`node bin/ws-echo` says in one line to run make build, with no stack trace', async () => {
    const checkout = path.join(work, 'unbuilt');
    mkdirSync(path.join(checkout, 'bin'), { recursive: true });
    copyFileSync(path.join(ROOT, 'bin', 'ws-echo'), path.join(checkout, 'bin', 'ws-echo'));
    const result = await runCommand(process.execPath, [path.join(checkout, 'bin', 'ws-echo'), '--version']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `ws-echo is not built: run \`make build\` (or npm install) in ${checkout}\n`,
    });
  });

  it('`npm test` builds first (pretest), and git installs build in prepare (bin/prepare.js)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { scripts } = require('../../package.json') as { scripts: Record<string, string> };
    expect(scripts.pretest).toBe('npm run build');
    expect(scripts.prepare).toBe('node bin/prepare.js');
  });
});

describe('make run', () => {
  it('compiles only when a source changed', async () => {
    // The Makefile in a scratch tree with made-up files whose ages the test sets: the real
    // checkout may be mid-edit. make -n prints what it would run without running anything.
    const tree = path.join(work, 'make-run');
    const files = [
      'Makefile',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src/main.ts',
      'src/core/a.ts',
    ];
    const stamps = ['node_modules/.installed', 'dist/.built'];
    for (const file of [...files, ...stamps]) {
      mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
      if (file === 'Makefile') copyFileSync(path.join(ROOT, file), path.join(tree, file));
      else writeFileSync(path.join(tree, file), '');
    }
    const age = (file: string, secondsAgo: number): void => {
      const when = Date.now() / 1000 - secondsAgo;
      utimesSync(path.join(tree, file), when, when);
    };
    files.forEach((file) => age(file, 100));
    age('node_modules/.installed', 90);
    age('dist/.built', 80);
    const env = childEnv();
    delete env.MAKEFLAGS;
    delete env.MAKELEVEL;
    delete env.MFLAGS;
    const dryRun = (): ReturnType<typeof runCommand> => runCommand('make', ['-n', 'run'], { cwd: tree, env });

    const upToDate = await dryRun();
    expectSuccess(upToDate, 'make -n run');
    expect(upToDate.stdout).not.toMatch(/tsc/);
    expect(upToDate.stdout).toMatch(/^node bin\/ws-echo/m);

    age('src/core/a.ts', 10);
    expect((await dryRun()).stdout).toMatch(/^npx tsc -p tsconfig\.build\.json$/m);
  });
});
