// The npm tarball holds only what runs, installs into an empty project from it, and works
// there: `npx ws-echo`, every echo mode through the installed CLI, and require('ws-echo').
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { childEnv, expectSuccess, ROOT, runCommand } from '../helpers/processes/cli';
import { INSTALL_TIMEOUT, packAndInstall, removeInstalled, type InstalledPackage } from '../helpers/processes/package';
import { checkCliInMode, MODE_CHECK_TIMEOUT, MODE_CHECKS } from '../helpers/mode-checks';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

const SOURCES = readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[];
/** The compiled modules: one .js and one .d.ts per source file, nothing else from dist/. */
const MODULES = SOURCES.filter((file) => file.endsWith('.ts')).map((file) => file.slice(0, -'.ts'.length));
/** The ES module declarations: a .d.mts per .mts source (types only: `ws-echo/vitest` for ES modules). */
const ESM_TYPES = SOURCES.filter((file) => file.endsWith('.mts')).map((file) => `dist/${file.slice(0, -4)}.d.mts`);
/** The user documentation the README links to, so its links work from node_modules too. */
const DOCS = readdirSync(path.join(ROOT, 'docs')).map((file) => `docs/${file}`);
const REQUIRED = [
  'package.json',
  'README.md',
  ...DOCS,
  'LICENSE',
  'bin/ws-echo',
  ...MODULES.flatMap((name) => [`dist/${name}.js`, `dist/${name}.d.ts`]),
  ...ESM_TYPES,
];

let installed: InstalledPackage | undefined;
let tarball: string;
let files: string[];
let app: string;

beforeAll(async () => {
  installed = await packAndInstall();
  ({ tarball, files, app } = installed);
}, INSTALL_TIMEOUT);

afterAll(() => removeInstalled(installed));

describe('the tarball', () => {
  it('is named after the package version', () => {
    expect(path.basename(tarball)).toBe(`ws-echo-${version}.tgz`);
  });

  it('holds every file needed to run', () => {
    expect(REQUIRED.filter((file) => !files.includes(file))).toEqual([]);
  });

  it('holds nothing else: no sources, tests, config, maps, bundle or binary', () => {
    expect(files.filter((file) => !REQUIRED.includes(file))).toEqual([]);
  });
});

describe('installed from the tarball into an empty project', () => {
  it('links the ws-echo command to the installed copy, not to this checkout', () => {
    const linked = realpathSync(path.join(app, 'node_modules', '.bin', 'ws-echo'));
    expect(linked).toBe(path.join(realpathSync(app), 'node_modules', 'ws-echo', 'bin', 'ws-echo'));
  });

  it('`npx ws-echo --version` prints the package version, and that the installed bufferutil is used', async () => {
    // From an empty npm cache, offline: npx finds the installed command and needs nothing else.
    const env = childEnv({ npm_config_cache: path.join(path.dirname(app), 'npx-cache'), npm_config_offline: 'true' });
    const result = await runCommand('npx', ['ws-echo', '--version'], { cwd: app, env });
    expectSuccess(result, 'npx ws-echo --version');
    expect(result.stdout.trim()).toBe(`${version} (bufferutil: native)`);
  });

  it.each(MODE_CHECKS)(
    'the installed CLI, --mode $mode: $behaviour; exits 0 on SIGTERM',
    (check) => checkCliInMode(check, { command: [path.join(app, 'node_modules', '.bin', 'ws-echo')] }),
    MODE_CHECK_TIMEOUT,
  );

  it("require('ws-echo') resolves to the installed package and startEchoServer() echoes", async () => {
    const script = `
      const { startEchoServer } = require('ws-echo');
      const WebSocket = require('ws');
      (async () => {
        const server = await startEchoServer({ mode: 'graceful' });
        const ws = new WebSocket(server.url);
        ws.on('open', () => ws.send('from require'));
        const echo = await new Promise((resolve) => ws.once('message', (data) => resolve(data.toString())));
        ws.close(1000);
        await new Promise((resolve) => ws.once('close', resolve));
        await server.close();
        console.log(JSON.stringify({ resolved: require.resolve('ws-echo'), echo, port: server.port }));
      })().catch((error) => { console.error(error); process.exit(1); });
    `;
    const result = await runCommand(process.execPath, ['-e', script], { cwd: app });
    expectSuccess(result, 'node -e require(ws-echo)');
    const outcome = JSON.parse(result.stdout) as { resolved: string; echo: string; port: number };
    expect(outcome.resolved).toBe(path.join(realpathSync(app), 'node_modules', 'ws-echo', 'dist', 'index.js'));
    expect(outcome.echo).toBe('from require');
    expect(outcome.port).toBeGreaterThan(0);
  });

  it('ships the type declarations that package.json points to', () => {
    const installed = path.join(app, 'node_modules', 'ws-echo');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { types: string };
    const types = path.join(installed, manifest.types);
    expect(existsSync(types)).toBe(true);
    expect(readFileSync(types, 'utf8')).toMatch(/\bstartEchoServer\b/);
  });
});
