// Limits a hostile or broken client runs into: idle and heartbeat timeouts, slow handshakes,
// oversized messages, the connection limit, and the warning for binding every interface.
// Assertions are on what happened (close codes, HTTP statuses, closed sockets), never on
// how long it took; waits are bounded so a broken server fails instead of hanging.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { startEchoServer, type EchoServer } from '../src';
import { startCliServer, type CliChild } from './helpers/cli';
import { connect, upgradeStatus, type Closed, type TestClient } from './helpers/clients';
import { pollUntil, sleep, stopChild } from './helpers/probe';
import { OP, collectUntilClosed, parseServerFrames, rawUpgrade, tcpConnect, portOf, upgradeRequest } from './helpers/raw-tcp';

let server: EchoServer | undefined;
const clis: CliChild[] = [];
const clients: TestClient[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy());
  clients.splice(0).forEach((client) => client.ws.terminate());
  await server?.close();
  server = undefined;
  await Promise.all(clis.splice(0).map((cli) => stopChild(cli.child)));
});

async function client(url: string, options?: WebSocket.ClientOptions): Promise<TestClient> {
  const c = await connect(url, options);
  clients.push(c);
  return c;
}

/** Sends `text` and resolves with its echo (the client's next message). */
async function echo(c: TestClient, data: string | Buffer): Promise<Buffer> {
  const next = c.received.length + 1;
  c.ws.send(data);
  const messages = await c.nextMessages(next);
  return messages[next - 1].data;
}

/** Whether `promise` has settled by now (after pending I/O callbacks have run). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

/**
 * Resolves with what `socket` received once it closes, or rejects after `limitMs`: a
 * liveness bound so a server that never closes it fails the test instead of hanging it.
 */
function closedWithin(socket: Socket, limitMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${limitMs} ms`)), limitMs);
    void collectUntilClosed(socket).then((data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

describe('idleTimeout', () => {
  it('graceful: an idle client gets close 1000 "idle timeout"', async () => {
    server = await startEchoServer({ idleTimeout: 0.3 });
    const c = await client(server.url);
    expect(await c.closed).toEqual<Closed>({ code: 1000, reason: 'idle timeout' });
    expect(c.received).toHaveLength(0);
  });

  it('forever: an idle client is dropped with no close frame (1006)', async () => {
    server = await startEchoServer({ mode: 'forever', idleTimeout: 0.3 });
    const c = await client(server.url);
    expect(await c.closed).toEqual<Closed>({ code: 1006, reason: '' });
  });

  it('a client sending more often than the timeout stays open, then times out once it stops', async () => {
    // Messages every 1/10 of the timeout for longer than the timeout in total: without the
    // timer being refreshed by each message it would fire in the middle.
    const TIMEOUT_S = 1.5;
    const SPACING_MS = 150;
    const COUNT = 14; // at least 14 * 150 ms = 2.1 s > 1.5 s
    server = await startEchoServer({ idleTimeout: TIMEOUT_S });
    const c = await client(server.url);
    for (let i = 0; i < COUNT; i++) {
      expect((await echo(c, `keep-alive ${i}`)).toString()).toBe(`keep-alive ${i}`);
      await sleep(SPACING_MS);
    }
    expect(await settled(c.closed)).toBe(false);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    // The timeout was armed all along: silence now ends the connection.
    expect(await c.closed).toEqual<Closed>({ code: 1000, reason: 'idle timeout' });
  });

  it('a client that only pings counts as active too', async () => {
    server = await startEchoServer({ idleTimeout: 1.5 });
    const c = await client(server.url);
    for (let i = 0; i < 14; i++) {
      const pong = new Promise<void>((resolve) => c.ws.once('pong', () => resolve()));
      c.ws.ping();
      await pong;
      await sleep(150);
    }
    expect(await settled(c.closed)).toBe(false);
    expect(await c.closed).toEqual<Closed>({ code: 1000, reason: 'idle timeout' });
  });
});

describe('pingInterval', () => {
  it('keeps a client that answers pings and terminates a raw one that never does', async () => {
    server = await startEchoServer({ pingInterval: 0.5 });
    const good = await client(server.url);
    const { socket, rest } = await rawUpgrade(server.url);
    sockets.push(socket);
    // The raw client reads (so it sees the pings) but never answers them.
    const rawClosed = closedWithin(socket, 20_000);

    let pings = 0;
    const PINGS = 4; // three heartbeats that each checked the previous pong
    await new Promise<void>((resolve) =>
      good.ws.on('ping', () => {
        if (++pings === PINGS) resolve();
      }),
    );

    const rawData = await rawClosed;
    const { frames } = parseServerFrames(Buffer.concat([rest, rawData]));
    expect(frames.filter((f) => f.opcode === OP.ping).length).toBeGreaterThanOrEqual(1);
    expect(frames.filter((f) => f.opcode === OP.close)).toHaveLength(0); // terminated, no close frame

    expect(pings).toBeGreaterThanOrEqual(PINGS);
    expect(await settled(good.closed)).toBe(false);
    expect((await echo(good, 'still here')).toString()).toBe('still here');
    const open = await pollUntil(() => server?.connections(), (n) => n === 1, 50);
    expect(open).toBe(1);
  });
});

describe('slowloris', () => {
  it('closes sockets that do not finish their handshake, while others connect and echo', async () => {
    server = await startEchoServer({ handshakeTimeout: 0.5 });
    const port = portOf(server.url);
    const partial = upgradeRequest('/').slice(0, 40); // "GET / HTTP/1.1\r\nHost: ...\r\nUpgr"
    const slow: Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const socket = await tcpConnect(port);
      socket.write(partial);
      slow.push(socket);
    }
    slow.push(await tcpConnect(port)); // sends nothing at all
    sockets.push(...slow);
    const closed = slow.map((socket) => closedWithin(socket, 20_000));

    // Meanwhile a normal client gets through.
    const c = await client(server.url);
    expect((await echo(c, 'not blocked')).toString()).toBe('not blocked');

    const answers = await Promise.all(closed);
    for (const answer of answers) expect(answer.toString()).toMatch(/^(HTTP\/1\.1 408 |$)/);
    // The handshake timeout does not apply once upgraded: the client outlived it.
    expect(await settled(c.closed)).toBe(false);
    expect((await echo(c, 'still here')).toString()).toBe('still here');
    expect(server.connections()).toBe(1);
  });
});

describe('maxPayload (CLI --max-payload 1024)', () => {
  it('closes a client that sends 2048 bytes with 1009; another client is unaffected', async () => {
    const cli = await startCliServer(['--max-payload', '1024', '--quiet']);
    clis.push(cli);
    const big = await client(cli.url);
    const other = await client(cli.url);
    big.ws.send(Buffer.alloc(2048, 1));
    const closed = await big.closed;
    expect(closed.code).toBe(1009);
    expect(big.received).toHaveLength(0);
    // Exactly the limit is still fine, on the other connection.
    const atLimit = Buffer.alloc(1024, 2);
    expect((await echo(other, atLimit)).equals(atLimit)).toBe(true);
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('maxConnections (CLI --max-connections 1)', () => {
  it('answers a second concurrent upgrade with 503 and logs it; the slot frees on close', async () => {
    const cli = await startCliServer(['--max-connections', '1']);
    clis.push(cli);
    const first = await client(cli.url);
    expect(await upgradeStatus(cli.url)).toBe(503);
    const [line] = await cli.waitFor(/^.*rejected .*: 503 .*$/m);
    expect(line).toContain('connection limit reached');
    expect((await echo(first, 'first')).toString()).toBe('first');

    first.ws.close(1000);
    await first.closed;
    const status = await pollUntil(() => upgradeStatus(cli.url), (s) => s === 101, 50);
    expect(status).toBe(101);
  });
});

describe('binding', () => {
  it('warns on stderr when listening on all interfaces', async () => {
    const cli = await startCliServer(['--host', '0.0.0.0']);
    clis.push(cli);
    expect(cli.url).toMatch(/^ws:\/\/0\.0\.0\.0:\d+$/);
    await stopChild(cli.child);
    expect(cli.stderr()).toMatch(/^warning: listening on all interfaces \(0\.0\.0\.0\)/m);
  });

  it('prints no warning on loopback', async () => {
    const cli = await startCliServer([]);
    clis.push(cli);
    expect(cli.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    await stopChild(cli.child);
    expect(cli.stderr()).toBe('');
    expect(cli.stdout()).toMatch(/listening on/);
  });
});
