// --workers: several processes on one port that look like one server (the CLI as a child, real ws clients).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { closeClient, upgradeStatus, type TestClient } from '../helpers/clients';
import { ROOT, startCli, type CliChild } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil, within } from '../helpers/probe';
import { openRawClient } from '../helpers/wire/raw-client';
import { portOf } from '../helpers/wire/raw-http';
import { makeTestCert } from '../helpers/tls-cert';
import { echo, jsonLines, startJsonCli } from '../helpers/processes/json-cli';

const { client, cliServer, defer } = perTest();

/** What `/healthz` adds with --workers. */
interface WorkerHealth {
  connections: number;
  logLinesDropped: number;
  workers: Array<{ worker: number; pid: number; connections: number }>;
}

function health(url: string): Promise<WorkerHealth> {
  return getHealth(url) as unknown as Promise<WorkerHealth>;
}

/** Starts the CLI with `--json` on a free port (stopped after the test) and resolves with it and its URL. */
const jsonServer = (args: string[]): Promise<CliChild & { url: string }> => startJsonCli(args, defer);

/** Whether a process is still there. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The child processes of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(/\s+/).map(Number);
}

describe('--workers 2: one server to the user', () => {
  it('prints one listening line, numbers connections across workers, and /healthz and the summary count every worker', async () => {
    const server = await jsonServer(['--workers', '2']);
    // Round-robin hands connections out in turn: ten are enough for both workers to get some.
    const clients: TestClient[] = [];
    for (let i = 0; i < 10; i++) clients.push(await client(server.url));
    for (const [i, c] of clients.entries()) expect(await echo(c, `hello ${i}`)).toBe(`hello ${i}`);

    const answer = await health(server.url);
    expect(answer.connections).toBe(10);
    expect(answer.workers).toHaveLength(2);
    const pids = answer.workers.map((w) => w.pid);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(server.child.pid);
    for (const worker of answer.workers) expect(worker.connections).toBeGreaterThan(0);
    expect(answer.workers[0].connections + answer.workers[1].connections).toBe(10);

    server.child.kill('SIGTERM');
    const closes = await Promise.all(clients.map((c) => within(c.closed, 10_000, 'no close frame')));
    expect(closes.map((c) => c.code)).toEqual(Array(10).fill(1001));
    expect((await server.exited).code).toBe(0);

    const lines = jsonLines(server.stdout());
    expect(lines.filter((l) => l.event === 'listening')).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: 'listening', url: server.url });
    const ids = lines.filter((l) => l.event === 'connection').map((l) => l.id);
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lines.filter((l) => l.event === 'close' && l.code === 1001)).toHaveLength(10);
    expect(lines.find((l) => l.event === 'shutdown')).toMatchObject({ connections: 10 });
    expect(lines.find((l) => l.event === 'summary')).toMatchObject({
      connections: 10,
      messages: 10,
      bytesEchoed: 10 * 'hello 0'.length,
    });
    // The workers are gone with the primary.
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('--max-connections is one limit across workers: with 3, the 4th upgrade gets 503, and a freed slot opens again', async () => {
    const server = await cliServer(['--workers', '2', '--max-connections', '3']);
    const open = [await client(server.url), await client(server.url), await client(server.url)];
    const answer = await health(server.url);
    expect(answer.workers.map((w) => w.connections).sort()).toEqual([1, 2]); // the three span both workers
    expect(await upgradeStatus(server.url)).toBe(503);
    expect(await upgradeStatus(server.url)).toBe(503);
    await closeClient(open[0].ws);
    const freed = await pollUntil(
      () => health(server.url),
      (h) => h.connections === 2,
    );
    expect(freed.connections).toBe(2);
    const again = await client(server.url);
    expect(await echo(again, 'back in')).toBe('back in');
    expect(server.stdout()).toMatch(/rejected .*: 503 connection limit reached/);
  });

  it('SIGTERM in forever mode drops every client (no close frame) and exits 0', async () => {
    const server = await cliServer(['--workers', '2', '--mode', 'forever']);
    const clients = [await client(server.url), await client(server.url), await client(server.url)];
    for (const c of clients) expect(await echo(c, 'x')).toBe('x');
    server.child.kill('SIGTERM');
    const closes = await Promise.all(clients.map((c) => within(c.closed, 10_000, 'not dropped')));
    expect(closes.map((c) => c.code)).toEqual([1006, 1006, 1006]);
    expect((await server.exited).code).toBe(0);
  });

  it('a second signal exits at once (143), and no worker outlives the primary', async () => {
    const server = await cliServer(['--workers', '2']);
    const pids = (await health(server.url)).workers.map((w) => w.pid);
    // A client that never answers the close frame keeps a graceful shutdown waiting.
    const stubborn = await openRawClient(portOf(server.url));
    defer(() => stubborn.socket.destroy());
    server.child.kill('SIGTERM');
    await server.waitFor(/shutting down/);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(143);
    const gone = await pollUntil(
      () => pids.filter(alive),
      (left) => left.length === 0,
    );
    expect(gone).toEqual([]);
  });

  it('a worker killed with SIGKILL is logged and replaced; the server keeps echoing', async () => {
    const server = await cliServer(['--workers', '2']);
    const survivor = await client(server.url);
    const before = await health(server.url);
    const victim = before.workers[0];
    process.kill(victim.pid, 'SIGKILL');
    const warning = new RegExp(
      `worker ${victim.worker} \\(pid ${victim.pid}\\) exited \\(killed by SIGKILL\\); starting a new one in \\d+ ms`,
    );
    await pollUntil(
      () => server.stderr(),
      (text) => /replaced the one that exited/.test(text),
    );
    expect(server.stderr()).toMatch(warning);
    const after = await pollUntil(
      () => health(server.url),
      (h) => h.workers.length === 2,
    );
    expect(after.workers.map((w) => w.pid)).not.toContain(victim.pid);
    expect(after.workers.map((w) => w.worker).sort()).toEqual([1, 2]);
    // Whichever worker had it, the first client is either still echoing or was cut (1006) with its worker.
    const stillOpen = survivor.ws.readyState === survivor.ws.OPEN;
    if (stillOpen) expect(await echo(survivor, 'still here')).toBe('still here');
    // New connections reach both workers again.
    const fresh = [await client(server.url), await client(server.url), await client(server.url)];
    for (const c of fresh) expect(await echo(c, 'after')).toBe('after');
    const spread = await health(server.url);
    for (const worker of spread.workers) expect(worker.connections).toBeGreaterThan(0);
  });
});

describe('--workers: TLS and the single executable', () => {
  it('serves wss:// from every worker (the key crosses to the workers intact)', async () => {
    const tls = makeTestCert();
    try {
      const server = await cliServer(['--workers', '2', '--cert', tls.certFile, '--key', tls.keyFile]);
      expect(server.url).toMatch(/^wss:\/\//);
      const clients = [await client(server.url, { ca: tls.cert }), await client(server.url, { ca: tls.cert })];
      for (const c of clients) expect(await echo(c, 'secure')).toBe('secure');
      const answer = (await getHealth(server.url, { ca: tls.cert })) as unknown as WorkerHealth;
      expect(answer.workers.map((w) => w.connections)).toEqual([1, 1]);
    } finally {
      tls.remove();
    }
  });

  it('the single executable (dist/ws-echo) runs its workers from itself', async () => {
    const binary = path.join(ROOT, 'dist', 'ws-echo');
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`make binary\` first`);
    const server = await cliServer(['--workers', '2'], { command: [binary] });
    const clients = [await client(server.url), await client(server.url)];
    for (const c of clients) expect(await echo(c, 'sea')).toBe('sea');
    expect((await health(server.url)).workers.map((w) => w.connections)).toEqual([1, 1]);
  });
});

describe('--workers: start-up and flags', () => {
  it.each(['0', 'x', '1.5', '2000'])(
    '--workers %s is a usage error naming the valid values (exit 2)',
    async (value) => {
      const cli = startCli(['--port', '0', '--workers', value]);
      const { code } = await cli.exited;
      expect(code).toBe(2);
      expect(cli.stderr()).toContain(`option '--workers <n>' argument '${value}' is invalid`);
      expect(cli.stderr()).toContain('a whole number from 1 to 1024, or auto');
    },
  );

  it('a port in use fails once with exit 1, and no worker is left behind', async () => {
    const first = await cliServer(['--workers', '2']);
    const port = new URL(first.url).port;
    const second = startCli(['--port', port, '--workers', '2']);
    const { code } = await within(second.exited, 20_000, 'still running');
    expect(code).toBe(1);
    expect(second.stderr().match(/error: port \d+ is already in use/g)).toHaveLength(1);
    expect(second.stdout()).not.toContain('listening');
  });

  it('--workers auto starts one worker per CPU', async () => {
    const server = await cliServer(['--workers', 'auto']);
    const cpus = Number(
      await new Promise<string>((resolve) =>
        execFile(process.execPath, ['-p', 'os.availableParallelism()'], (_e, out) => resolve(out)),
      ),
    );
    if (cpus === 1) {
      expect(childrenOf(server.child.pid as number)).toEqual([]);
    } else {
      expect((await health(server.url)).workers).toHaveLength(cpus);
    }
  });

  it('without --workers, one process: no worker is forked and src/workers is not loaded', async () => {
    const server = await cliServer([]);
    expect(childrenOf(server.child.pid as number)).toEqual([]);
    expect(await health(server.url)).not.toHaveProperty('workers');
    // In a process that runs the CLI the same way, src/workers is not loaded. (Node's own
    // listen() loads node:cluster in every server to ask whether it is a worker; nothing of ours runs it.)
    const script = `
      const { runCli } = require(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'cli.js'))});
      const { PassThrough } = require('node:stream');
      const out = new PassThrough();
      out.on('data', (chunk) => {
        if (!String(chunk).includes('listening')) return;
        const workers = Object.keys(require.cache).some((file) => file.startsWith(${JSON.stringify(path.join(ROOT, 'dist', 'workers'))}));
        const forked = Object.keys(require('node:cluster').workers).length;
        console.log(JSON.stringify({ workers, forked }));
        process.exit(0);
      });
      runCli(['node', 'ws-echo', '--port', '0'], { stdout: out, stderr: out });`;
    const loaded = await new Promise<string>((resolve) =>
      execFile(process.execPath, ['-e', script], (_e, out) => resolve(out)),
    );
    expect(JSON.parse(loaded)).toEqual({ workers: false, forked: 0 });
  });
});
