// ?throttle=1 and a 3 MB message: the echo's wait (35 days) is beyond Node's timer limit (2^31-1 ms). The queue sleeps
// in steps instead of re-arming a 1 ms timer for ever: no TimeoutOverflowWarning flood on stderr, no CPU spent.
import { readFileSync } from 'node:fs';
import { connect, openClient } from '../../helpers/clients';
import { perTest } from '../../helpers/per-test';
import { sleep } from '../../helpers/probe';

const { cliServer, serve, defer } = perTest();

/** CPU time (user + system) a process has used, in seconds, from /proc (clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('?throttle=1 and a 3 MB message (a wait past Node’s timer limit)', () => {
  it('the server neither writes warnings nor spins while the echo waits', async () => {
    const cli = await cliServer(['--quiet']);
    const pid = cli.child.pid as number;
    const client = await openClient(`${cli.url}/?throttle=1`);
    defer(() => client.terminate());
    client.send(Buffer.alloc(3_000_000));
    await sleep(500); // the message is in and queued
    const before = { cpu: cpuSecondsOf(pid), stderr: cli.stderr().length };
    await sleep(2000);
    // Before: about 800 TimeoutOverflowWarning lines a second (195 KB in 2 s), and 0.3 CPU-seconds.
    expect(cli.stderr().slice(before.stderr)).toBe('');
    expect(cpuSecondsOf(pid) - before.cpu).toBeLessThan(0.15);
  }, 20_000);
});

describe('a wait of several sleep steps (the queue sleeps 1 s at most at a time)', () => {
  it('ends on time: 2500 bytes at 1000 bytes/s arrive 2.5 s later, not before', async () => {
    const server = await serve();
    const c = await connect(`${server.url}/?throttle=1000`);
    const sentAt = performance.now();
    c.ws.send(Buffer.alloc(2500, 7));
    const [echo] = await c.nextMessages(1);
    const took = performance.now() - sentAt;
    expect(echo.data).toEqual(Buffer.alloc(2500, 7));
    expect(took).toBeGreaterThanOrEqual(2490);
    expect(took).toBeLessThan(4000);
  }, 10_000);
});
