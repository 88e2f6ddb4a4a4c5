// The built dist/ from a consumer project: works from CommonJS (require) and from TypeScript (import, with its types).
// The runner set-ups from the README are test/fixture/runners/runners.test.ts.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectSuccess, ROOT, runCommand } from '../helpers/processes/cli';

describe('the built package from a consumer project (node_modules/ws-echo linked to this checkout)', () => {
  let consumer: string;

  beforeAll(() => {
    consumer = mkdtempSync(path.join(os.tmpdir(), 'ws-echo-consumer-'));
    const modules = path.join(consumer, 'node_modules');
    mkdirSync(modules);
    symlinkSync(ROOT, path.join(modules, 'ws-echo'), 'dir');
    symlinkSync(path.join(ROOT, 'node_modules', 'ws'), path.join(modules, 'ws'), 'dir');
    symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(modules, '@types'), 'dir');
  });

  afterAll(() => {
    if (consumer) rmSync(consumer, { recursive: true, force: true });
  });

  it("require('ws-echo') from CommonJS gives a working startEchoServer", async () => {
    writeFileSync(
      path.join(consumer, 'consumer.cjs'),
      `const { startEchoServer, MODE_NAMES } = require('ws-echo');
const WebSocket = require('ws');

(async () => {
  const server = await startEchoServer({ mode: 'forever' });
  const ws = new WebSocket(server.url);
  ws.on('open', () => ws.send(Buffer.from([1, 2, 3])));
  const [data, isBinary] = await new Promise((resolve) => ws.once('message', (...args) => resolve(args)));
  ws.terminate();
  await server.close();
  console.log(JSON.stringify({ resolved: require.resolve('ws-echo'), modes: MODE_NAMES, echo: [...data], isBinary }));
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    const result = await runCommand(process.execPath, ['consumer.cjs'], { cwd: consumer });
    expectSuccess(result, 'node consumer.cjs');
    const outcome = JSON.parse(result.stdout) as {
      resolved: string;
      modes: string[];
      echo: number[];
      isBinary: boolean;
    };
    expect(realpathSync(outcome.resolved)).toBe(path.join(realpathSync(ROOT), 'dist', 'index.js'));
    expect(outcome.modes).toEqual(['one-shot', 'whole-message', 'forever', 'graceful']);
    expect(outcome.echo).toEqual([1, 2, 3]);
    expect(outcome.isBinary).toBe(true);
  });

  it('import from TypeScript type-checks against dist/index.d.ts (strict) and runs', async () => {
    writeFileSync(
      path.join(consumer, 'consumer.ts'),
      `import { startEchoServer, EchoServerError, type EchoMode, type EchoServer, type EchoStats } from 'ws-echo';
import WebSocket from 'ws';

async function main(): Promise<void> {
  const mode: EchoMode = 'graceful';
  const server: EchoServer = await startEchoServer({ mode, port: 0, closeTimeout: 1 });
  // @ts-expect-error: not an echo mode, so the declarations must reject it
  const wrongMode: Parameters<typeof startEchoServer>[0] = { mode: 'sideways' };
  void wrongMode;
  const ws = new WebSocket(server.url);
  await new Promise<void>((resolve) => ws.once('open', () => resolve()));
  ws.send('typed');
  const echo = await new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
  ws.close(1000);
  await new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await server.close();
  const stats: EchoStats = server.stats();
  const failure = new EchoServerError('x', 1);
  console.log(JSON.stringify({ echo, messages: stats.messagesReceived, isError: failure instanceof Error }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`,
    );
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          strict: true,
          esModuleInterop: true,
          types: ['node'],
          outDir: 'out',
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    expectSuccess(await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer }), 'tsc');
    const result = await runCommand(process.execPath, [path.join('out', 'consumer.js')], { cwd: consumer });
    expectSuccess(result, 'node out/consumer.js');
    expect(JSON.parse(result.stdout)).toEqual({ echo: 'typed', messages: 1, isError: true });
  }, 120_000);
});
