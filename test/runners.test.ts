// The README's set-ups for Vitest, Jest, Playwright Test and node:test, each run as written from a project that installed the packed tarball.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { childEnv, expectSuccess, ROOT, runCommand, type RunResult } from './helpers/cli';
import { INSTALL_TIMEOUT, linkDevPackages, packAndInstall, removeInstalled, type InstalledPackage } from './helpers/package';

const EXAMPLES = path.join(ROOT, 'test', 'fixtures', 'runners');
const RUN_TIMEOUT = 180_000;

/** Each example: its files (quoted verbatim in README.md) and the command the README gives, run in its project. */
const RUNNERS = [
  { name: 'vitest', files: ['vitest.config.ts', 'echo.test.ts'], command: ['npx', 'vitest', 'run'] },
  { name: 'jest', files: ['jest.config.js', 'echo.test.js'], command: ['npx', 'jest', '--detectOpenHandles'] },
  { name: 'playwright', files: ['playwright.config.ts', 'echo.spec.ts'], command: ['npx', 'playwright', 'test'] },
  { name: 'node-test', files: ['echo.test.mjs'], command: ['node', '--test'] },
] as const;

let installed: InstalledPackage | undefined;

beforeAll(async () => {
  installed = await packAndInstall();
  linkDevPackages(installed.app, ['vitest', 'jest', '@playwright/test', 'typescript', '@types/node', '@types/ws']);
}, INSTALL_TIMEOUT);

afterAll(() => removeInstalled(installed));

/** A project for one example: its files, and the node_modules of the installed app (ws-echo from the tarball, the runner). */
function projectFor(name: string, files: readonly string[]): string {
  const dir = path.join((installed as InstalledPackage).work, name);
  mkdirSync(dir);
  for (const file of files) copyFileSync(path.join(EXAMPLES, name, file), path.join(dir, file));
  copyFileSync(path.join((installed as InstalledPackage).app, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join((installed as InstalledPackage).app, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The environment of a runner started from inside Jest, as if from a shell. */
function runnerEnv(): NodeJS.ProcessEnv {
  const env = childEnv({ CI: '1', NO_COLOR: '1' });
  for (const name of ['JEST_WORKER_ID', 'WS_ECHO_URL', 'WS_ECHO_PORT', 'NODE_OPTIONS', 'VITEST', 'TEST']) delete env[name];
  return env;
}

describe.each(RUNNERS)('$name', ({ name, files, command }) => {
  it('the example is exactly the files docs/test-runners.md quotes, each verbatim', () => {
    expect(readdirSync(path.join(EXAMPLES, name)).sort()).toEqual([...files].sort());
    const readme = readFileSync(path.join(ROOT, 'docs', 'test-runners.md'), 'utf8');
    for (const file of files) expect(readme).toContain(readFileSync(path.join(EXAMPLES, name, file), 'utf8'));
  });

  it(`\`${command.join(' ')}\` passes in a project that installed the tarball`, async () => {
    const dir = projectFor(name, files);
    const started = Date.now();
    const result: RunResult = await runCommand(command[0], command.slice(1), { cwd: dir, env: runnerEnv() });
    const output = result.stdout + result.stderr;
    expectSuccess(result, command.join(' '));
    process.stdout.write(`${name}: \`${command.join(' ')}\` passed in ${Date.now() - started} ms\n`);
    expect(output).toMatch(/\b1 passed\b|Tests:\s+1 passed|# pass 1\b/);
    expect(output).not.toMatch(/open handle|did not exit one second after/i);
  }, RUN_TIMEOUT);
});

it('the Vitest example type-checks with the ProvidedContext typing the package ships', async () => {
  const dir = projectFor('vitest-types', []);
  for (const file of ['vitest.config.ts', 'echo.test.ts']) copyFileSync(path.join(EXAMPLES, 'vitest', file), path.join(dir, file));
  const tsc = path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['--noEmit', '--strict', '--module', 'preserve', '--moduleResolution', 'bundler', '--target', 'es2022', '--types', 'node', '--skipLibCheck', 'vitest.config.ts', 'echo.test.ts'];
  expectSuccess(await runCommand(process.execPath, [tsc, ...args], { cwd: dir }), 'tsc on the Vitest example');
}, RUN_TIMEOUT);
