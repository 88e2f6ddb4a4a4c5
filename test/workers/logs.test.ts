// --workers logs: whole lines from every worker, --quiet and colors as in one process, bounded across processes.
import { spawn } from 'node:child_process';
import { BIN, childEnv, memoryOf, type CliChild } from '../helpers/processes/cli';
import { closeClient, openClient, type TestClient } from '../helpers/clients';
import { echoMany } from '../helpers/echo-load';
import { perTest } from '../helpers/per-test';
import { readUntil } from '../helpers/processes/descendants';
import { getHealth, pollUntil, stopChild } from '../helpers/probe';
import { echo, jsonLines, startJsonCli } from '../helpers/processes/json-cli';

const { client, cliServer, defer } = perTest();
const MiB = 1024 * 1024;

/** Starts the CLI with `--json` on a free port (stopped after the test) and resolves with it and its URL. */
const jsonServer = (args: string[]): Promise<CliChild & { url: string }> => startJsonCli(args, defer);

describe('--workers 2: logs', () => {
  it('log lines from many busy connections never interleave (every JSON line parses, every message is logged once)', async () => {
    const server = await jsonServer(['--workers', '2']);
    const clients: TestClient[] = [];
    for (let i = 0; i < 16; i++) clients.push(await client(server.url));
    const perClient = 150;
    await Promise.all(
      clients.map(async (c, i) => {
        // Long messages make long lines: a torn write would show as a line that is not JSON.
        for (let n = 0; n < perClient; n++)
          c.ws.send(`client ${i} message ${n} ${'x'.repeat(40 + ((i * 7 + n) % 60))}`);
        await c.nextMessages(perClient);
      }),
    );
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    const lines = jsonLines(server.stdout());
    const summary = lines.find((l) => l.event === 'summary') as { messages: number; logLinesDropped: number };
    expect(summary.messages).toBe(16 * perClient);
    const messages = lines.filter((l) => l.event === 'message');
    // Lines may be dropped under pressure (and are then counted), never torn or doubled.
    expect(messages.length + summary.logLinesDropped).toBeGreaterThanOrEqual(16 * perClient);
    expect(new Set(messages.map((l) => l.preview)).size).toBe(messages.length);
    for (const line of messages) expect(line.preview).toMatch(/^client \d+ message \d+ x+$/);
  });

  it('--quiet: only the listening line on stdout, even with traffic', async () => {
    const server = await cliServer(['--workers', '2', '--quiet']);
    const c = await client(server.url);
    expect(await echo(c, 'quiet')).toBe('quiet');
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    // --quiet keeps the summary: the one line a CI log wants most.
    const lines = server.stdout().trim().split('\n');
    expect(lines[0]).toBe(`ws-echo listening on ${server.url} (mode: graceful)`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^summary: 1 connection, 0 rejected, 1 message, /)]);
    expect(server.stderr()).toBe('');
  });

  it('pretty colored lines (FORCE_COLOR) from workers come out whole, colored as in one process', async () => {
    const server = await cliServer(['--workers', '2'], { env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' } });
    const c = await client(server.url);
    expect(await echo(c, 'color')).toBe('color');
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    const lines = server.stdout().trim().split('\n');
    expect(lines.filter((line) => line.includes('listening on'))).toHaveLength(1);
    expect(server.stdout()).toMatch(/\x1b\[36m#1\x1b\[39m \x1b\[32mconnected\x1b\[39m from 127\.0\.0\.1:\d+ path \//);
    expect(server.stdout()).toMatch(/#1\x1b\[39m text 5 B \x1b\[2m"color"\x1b\[22m/);
  });

  it('into a stdout pipe nobody reads: echoing goes on, memory stays bounded in every process, drops are counted and reported', async () => {
    const child = spawn(process.execPath, [BIN, '--port', '0', '--workers', '2'], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    defer(() => stopChild(child));
    child.stderr.resume();
    const [, url] = await readUntil(child.stdout, /listening on (ws:\/\/\S+)/);
    const pids = [
      child.pid as number,
      ...((await getHealth(url)) as unknown as { workers: Array<{ pid: number }> }).workers.map((w) => w.pid),
    ];
    const baseline = pids.map((pid) => memoryOf(pid).rss);

    // Two clients, so both workers log; 1 KiB messages make ~20 MB of log lines in all.
    const COUNT = 10_000;
    const clients = [await openClient(url), await openClient(url)];
    defer(() => Promise.all(clients.map(closeClient)));
    const echoed = await Promise.all(clients.map((ws) => echoMany(ws, { count: COUNT, size: 1024, window: 100 })));
    expect(echoed).toEqual([COUNT, COUNT]);
    const growth = pids.map((pid, i) => memoryOf(pid).peak - baseline[i]);
    for (const grown of growth) expect(grown).toBeLessThan(64 * MiB);
    const dropped = await pollUntil(
      async () => (await getHealth(url)).logLinesDropped,
      (count) => count > 0,
      30,
    );
    expect(dropped).toBeGreaterThan(0);

    // Reading again: the notice comes after at most what the pipe and the bounded queues held.
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdout.resume();
    const notice = /… (\d+) log lines dropped \(output could not keep up\)/;
    await pollUntil(
      () => echoMany(clients[0], { count: 1, size: 16, window: 1 }),
      () => notice.test(output),
      200,
      50,
    );
    const match = output.match(notice);
    expect(match).not.toBeNull();
    expect(Buffer.byteLength(output.slice(0, match?.index))).toBeLessThan(2 * MiB);
    for (const line of output.split('\n').filter((l) => l !== ''))
      expect(line).toMatch(/^(#\d+ |… \d+ log lines dropped)/);
  });
});
