// --workers when workers die: the port stays the one advertised, and nothing of theirs is lost or left behind.
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil } from '../helpers/probe';
import { echo } from '../helpers/json-cli';

const { client, cliServer } = perTest();

/** What `/healthz` adds with --workers. */
interface WorkerHealth {
  connections: number;
  workers: Array<{ worker: number; pid: number; connections: number }>;
}

function health(url: string): Promise<WorkerHealth> {
  return getHealth(url) as unknown as Promise<WorkerHealth>;
}

/** How many times `pattern` occurs in `text`. */
function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

describe('--workers: when every worker dies', () => {
  it('with --port 0, the replacements serve the advertised port again', async () => {
    const server = await cliServer(['--workers', '2', '--port', '0']);
    const before = await health(server.url);
    for (const worker of before.workers) process.kill(worker.pid, 'SIGKILL');
    const replaced = /replaced the one that exited, and is serving/;
    const stderr = await pollUntil(
      () => server.stderr(),
      (text) => count(text, replaced) >= 2,
      300,
    );
    expect(count(stderr, replaced)).toBe(2);
    // The advertised URL answers: /healthz and an echo, from the two new workers.
    const after = await health(server.url);
    expect(after.workers).toHaveLength(2);
    for (const worker of after.workers) expect(before.workers.map((w) => w.pid)).not.toContain(worker.pid);
    expect(await echo(await client(server.url), 'same port')).toBe('same port');
  });

  it('with --port 0, workers killed one after the other are replaced on the same port', async () => {
    const server = await cliServer(['--workers', '2', '--port', '0']);
    const replaced = /replaced the one that exited, and is serving/;
    // Each replacement joins the socket of the worker still alive; then that one dies too.
    for (let round = 1; round <= 3; round++) {
      const { workers } = await health(server.url);
      process.kill(workers[0].pid, 'SIGKILL');
      await pollUntil(
        () => server.stderr(),
        (text) => count(text, replaced) >= round,
        300,
      );
      const after = await pollUntil(
        () => health(server.url),
        (h) => h.workers.length === 2,
      );
      expect(after.workers.map((w) => w.pid)).not.toContain(workers[0].pid);
      expect(await echo(await client(server.url), `round ${round}`)).toBe(`round ${round}`);
    }
    expect(server.stderr()).not.toMatch(/could not start/);
  });
});
