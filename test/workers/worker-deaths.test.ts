// --workers when workers die: the port stays the one advertised, and nothing of theirs is lost or left behind.
import net from 'node:net';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil } from '../helpers/probe';
import { echo } from '../helpers/processes/json-cli';
import { portOf } from '../helpers/wire/raw-http';

const { client, cliServer, defer } = perTest();

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

describe('--workers: a worker killed during a handoff', () => {
  it('a worker killed while the primary hands it a connection: that client is closed, not left waiting', async () => {
    const server = await cliServer(['--workers', '2']);
    const { workers } = await health(server.url);
    const victim = workers[0];
    // Stopped, the worker never acknowledges the connection the primary sends it; killed, it never will.
    process.kill(victim.pid, 'SIGSTOP');
    const clients = [1, 2, 3, 4].map(() => upgradeAttempt(portOf(server.url)));
    for (const c of clients) defer(() => c.socket.destroy());
    try {
      // Round-robin: one of the four goes to the stopped worker, the others to the live one (answered 101).
      await pollUntil(
        () => clients.filter((c) => c.answered()).length,
        (n) => n === 3,
      );
    } finally {
      process.kill(victim.pid, 'SIGKILL');
    }
    const waiting = await pollUntil(
      () => clients.filter((c) => !c.answered() && !c.closed()).length,
      (n) => n === 0,
    );
    expect(waiting).toBe(0);
  });
});

/** A raw upgrade request on a new TCP connection: whether anything came back, and whether the server closed it. */
function upgradeAttempt(port: number): { socket: net.Socket; answered: () => boolean; closed: () => boolean } {
  let answered = false;
  let closed = false;
  const socket = net.connect(port, '127.0.0.1', () =>
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    ),
  );
  socket.on('data', () => (answered = true));
  socket.on('error', () => undefined);
  socket.on('end', () => (closed = true));
  socket.on('close', () => (closed = true));
  return { socket, answered: () => answered, closed: () => closed };
}
