// --workers: a worker that keeps dying is replaced after a growing delay, never in a tight loop.
import { RestartBackoff } from '../../src/workers/pool';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil } from '../helpers/probe';

const { cliServer } = perTest();

/** The pid serving as worker `slot`, once one is. */
async function pidOf(url: string, slot: number): Promise<number> {
  const health = (await pollUntil(
    () => getHealth(url) as unknown as Promise<{ workers: Array<{ worker: number; pid: number }> }>,
    (h) => h.workers.some((w) => w.worker === slot),
  )) as { workers: Array<{ worker: number; pid: number }> };
  const worker = health.workers.find((w) => w.worker === slot);
  if (!worker) throw new Error(`worker ${slot} did not come back`);
  return worker.pid;
}

it('killing the same worker again and again doubles the delay before each replacement', async () => {
  const server = await cliServer(['--workers', '2']);
  const delays: number[] = [];
  for (let round = 1; round <= 3; round++) {
    const pid = await pidOf(server.url, 1);
    process.kill(pid, 'SIGKILL');
    const line = new RegExp(
      `worker 1 \\(pid ${pid}\\) exited \\(killed by SIGKILL\\); starting a new one in (\\d+) ms`,
    );
    const stderr = await pollUntil(
      () => server.stderr(),
      (text) => line.test(text),
    );
    delays.push(Number(stderr.match(line)?.[1]));
    // The replacement is up (and serving) before the next round.
    await pollUntil(
      () => (server.stderr().match(/replaced the one that exited/g) ?? []).length,
      (count) => count === round,
    );
  }
  expect(delays).toEqual([100, 200, 400]);
  expect(server.stderr().match(/replaced the one that exited/g)).toHaveLength(3);
});

describe('RestartBackoff', () => {
  it('starts at 100 ms, doubles while deaths keep coming within a minute, stops at 30 s, and forgets after a quiet minute', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 11 }, (_, i) => backoff.next(1000 + i * 1000));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    expect(backoff.next(11_000 + 61_000)).toBe(100);
  });
});
