// Under a low open-file limit, idle sockets that never send a handshake cannot use up the descriptors: the oldest are
// closed (logged, counted), and upgrades and /healthz still get an answer, a 503 with a log line once the WebSocket
// connections fill the budget.
import { readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { BIN, startCli } from '../helpers/processes/cli';
import { connect, upgradeStatus, type TestClient } from '../helpers/clients';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil, stopChild } from '../helpers/probe';
import { openTcp, portOf } from '../helpers/wire/raw-http';

const FD_LIMIT = 200;
/** What the server says it allows: the limit less 48 (the process, the listening socket and room for answers). */
const WEBSOCKETS_ALLOWED = FD_LIMIT - 48;
/** More idle sockets than the limit allows descriptors. */
const IDLE_SOCKETS = 220;

const { defer } = perTest();

async function startWithFdLimit(): Promise<{ cli: ReturnType<typeof startCli>; url: string }> {
  const withFdLimit = ['bash', '-c', `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`, process.execPath, BIN];
  const cli = startCli(['--port', '0', '--handshake-timeout', '60'], { command: withFdLimit });
  defer(() => stopChild(cli.child));
  const [, url] = await cli.waitFor(/listening on (ws:\/\/\S+)/);
  return { cli, url };
}

/** Opens `count` TCP connections that never send a byte; closed after the test. */
async function openIdle(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  defer(() => sockets.forEach((socket) => socket.destroy()));
  for (let i = 0; i < count; i++) {
    const socket = await openTcp(port);
    socket.on('error', () => undefined);
    sockets.push(socket);
  }
  return sockets;
}

describe(`open-file guard under ulimit -n ${FD_LIMIT}`, () => {
  it('closes the oldest idle sockets so that an upgrade and /healthz are still served', async () => {
    const { cli, url } = await startWithFdLimit();
    const idle = await openIdle(portOf(url), IDLE_SOCKETS);

    const c = await connect(url);
    defer(() => c.ws.terminate());
    c.ws.send('through the crowd');
    expect((await c.nextMessages(1))[0].data.toString()).toBe('through the crowd');
    expect(await getHealth(url)).toMatchObject({ status: 'ok', connections: 1 });

    await cli.waitFor(
      /^rejected 127\.0\.0\.1:\d+ -: 503 open-file limit reached \(ulimit -n 200\): the oldest pending handshake was closed unanswered$/m,
    );
    expect(idle[0].destroyed || idle[0].readableEnded).toBe(true);
    expect(readdirSync(`/proc/${cli.child.pid}/fd`).length).toBeLessThan(FD_LIMIT);
  });

  it(`past ${WEBSOCKETS_ALLOWED} WebSockets and among idle sockets, an upgrade gets 503 with a log line and /healthz answers`, async () => {
    const { cli, url } = await startWithFdLimit();
    const clients: TestClient[] = [];
    defer(() => clients.forEach((client) => client.ws.terminate()));
    for (let i = 0; i < WEBSOCKETS_ALLOWED; i++) clients.push(await connect(url));
    await openIdle(portOf(url), IDLE_SOCKETS - WEBSOCKETS_ALLOWED);

    expect(await upgradeStatus(url)).toBe(503);
    await cli.waitFor(/^rejected .*: 503 open-file limit reached \(ulimit -n 200\)$/m);
    expect(await getHealth(url)).toMatchObject({ status: 'ok', connections: WEBSOCKETS_ALLOWED });
    for (const client of clients.slice(0, 5)) client.ws.send('still here');
    for (const client of clients.slice(0, 5))
      expect((await client.nextMessages(1))[0].data.toString()).toBe('still here');

    await stopChild(cli.child);
    const summary = await pollUntil(
      () => cli.stdout(),
      (text) => /^summary:/m.test(text),
    );
    expect(summary).toMatch(new RegExp(`^summary: ${WEBSOCKETS_ALLOWED} connections, \\d+ rejected`, 'm'));
  });
});
