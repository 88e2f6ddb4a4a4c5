// Limits a hostile or broken client runs into: idle and heartbeat timeouts, slow handshakes,
// oversized messages, the connection limit, and the warning for binding every interface.
// Assertions are on what happened (close codes, HTTP statuses, closed sockets), never on
// how long it took; waits are bounded so a broken server fails instead of hanging.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { upgradeStatus, type Closed, type TestClient } from '../helpers/clients';
import { closePayload, Opcode } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { pollUntil, sleep, stopChild, within } from '../helpers/probe';
import { collectUntilClosed, httpRequestText, openTcp, randomKey, upgradeHeaders } from '../helpers/wire/raw-http';

const { serve, rawClient, client, cliServer, defer } = perTest();

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
  return within(collectUntilClosed(socket), limitMs, 'socket still open');
}

describe('idleTimeout', () => {
  it('graceful: an idle client gets close 1000 "idle timeout"', async () => {
    const server = await serve({ idleTimeout: 0.3 });
    const c = await client(server.url);
    expect(await c.closed).toEqual<Closed>({ code: 1000, reason: 'idle timeout' });
    expect(c.received).toHaveLength(0);
  });

  it('graceful: messages that arrive after the server sent its close frame are not echoed, nor counted as echoed', async () => {
    const server = await serve({ idleTimeout: 0.3 });
    const raw = await rawClient();
    expect(await raw.nextCloseCode()).toBe(1000); // the idle timeout's close frame
    await raw.sendFrames([1, 2, 3].map((n) => ({ opcode: Opcode.text, payload: `late ${n}` })));
    await raw.sendFrame({ opcode: Opcode.close, payload: closePayload(1000) });
    await raw.tcpEnd();
    expect(raw.unread()).toEqual([]);
    expect(server.stats()).toMatchObject({ messagesReceived: 3, messagesEchoed: 0, bytesEchoed: 0 });
  });

  it('forever: an idle client is dropped with no close frame (1006)', async () => {
    const server = await serve({ mode: 'forever', idleTimeout: 0.3 });
    const c = await client(server.url);
    expect(await c.closed).toEqual<Closed>({ code: 1006, reason: '' });
  });

  it('a client sending more often than the timeout stays open, then times out once it stops', async () => {
    // Messages every 1/10 of the timeout for longer than the timeout in total: without the
    // timer being refreshed by each message it would fire in the middle.
    const TIMEOUT_S = 1.5;
    const SPACING_MS = 150;
    const COUNT = 14; // at least 14 * 150 ms = 2.1 s > 1.5 s
    const server = await serve({ idleTimeout: TIMEOUT_S });
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
    const server = await serve({ idleTimeout: 1.5 });
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
    const server = await serve({ pingInterval: 0.5 });
    const good = await client(server.url);
    // The raw client reads (so it sees the pings) but never answers them.
    const raw = await rawClient();
    const rawEnded = within(raw.tcpEnd(), 20_000, 'raw client still connected');

    let pings = 0;
    const PINGS = 4; // three heartbeats that each checked the previous pong
    await new Promise<void>((resolve) =>
      good.ws.on('ping', () => {
        if (++pings === PINGS) resolve();
      }),
    );

    await rawEnded;
    const frames = raw.unread();
    expect(frames.filter((f) => f.masked)).toHaveLength(0); // servers never mask
    expect(frames.filter((f) => f.opcode === Opcode.ping).length).toBeGreaterThanOrEqual(1);
    expect(frames.filter((f) => f.opcode === Opcode.close)).toHaveLength(0); // terminated, no close frame

    expect(pings).toBeGreaterThanOrEqual(PINGS);
    expect(await settled(good.closed)).toBe(false);
    expect((await echo(good, 'still here')).toString()).toBe('still here');
    const open = await pollUntil(
      () => server.connections(),
      (n) => n === 1,
      50,
    );
    expect(open).toBe(1);
  });
});

describe('slowloris', () => {
  it('closes sockets that do not finish their handshake, while others connect and echo', async () => {
    const server = await serve({ handshakeTimeout: 0.5 });
    const { port } = server;
    // "GET / HTTP/1.1\r\nHost: 127.0.0.1:<port>\r\nU": the request line, Host and a byte of the next header.
    const partial = httpRequestText('GET', '/', upgradeHeaders(port, randomKey())).slice(0, 40);
    const slow: Socket[] = [];
    defer(() => slow.forEach((socket) => socket.destroy()));
    for (let i = 0; i < 5; i++) {
      const socket = await openTcp(port);
      socket.write(partial);
      slow.push(socket);
    }
    slow.push(await openTcp(port)); // sends nothing at all
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
    // Each 408 is counted with the other refusals (the request that sent nothing may get no answer).
    expect(server.stats().upgradesRejected).toBe(answers.filter((answer) => answer.length > 0).length);
  });
});

describe('maxPayload (CLI --max-payload 1024)', () => {
  it('closes a client that sends 2048 bytes with 1009; another client is unaffected', async () => {
    const cli = await cliServer(['--max-payload', '1024', '--quiet']);
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
    const cli = await cliServer(['--max-connections', '1']);
    const first = await client(cli.url);
    expect(await upgradeStatus(cli.url)).toBe(503);
    const [line] = await cli.waitFor(/^.*rejected .*: 503 .*$/m);
    expect(line).toContain('connection limit reached');
    expect((await echo(first, 'first')).toString()).toBe('first');

    first.ws.close(1000);
    await first.closed;
    const status = await pollUntil(
      () => upgradeStatus(cli.url),
      (s) => s === 101,
      50,
    );
    expect(status).toBe(101);
  });
});

describe('binding', () => {
  it('warns on stderr when listening on all interfaces', async () => {
    const cli = await cliServer(['--host', '0.0.0.0']);
    expect(cli.url).toMatch(/^ws:\/\/0\.0\.0\.0:\d+$/);
    await stopChild(cli.child);
    expect(cli.stderr()).toMatch(/^warning: listening on all interfaces \(0\.0\.0\.0\)/m);
  });

  it('prints no warning on loopback', async () => {
    const cli = await cliServer([]);
    expect(cli.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    await stopChild(cli.child);
    expect(cli.stderr()).toBe('');
    expect(cli.stdout()).toMatch(/listening on/);
  });
});
