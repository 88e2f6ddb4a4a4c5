// Faults in detail: order under random delays, the single-message modes, backpressure, bounded logs, timers, and what
// is logged when a fault fires.
import { Writable } from 'node:stream';
import { BACKPRESSURE_HIGH_WATER, LOG_HIGH_WATER } from '../../../src/core/constants';
import { QUEUED_ECHO_OVERHEAD } from '../../../src/connection/faults/queue-sender';
import { destroyRawClients, howTcpEnds, rawTo } from '../../helpers/behaviour-checks';
import { connect, upgradeStatus } from '../../helpers/clients';
import { buildFrame, Opcode, parseClosePayload, ZERO_MASK } from '../../helpers/wire/frames';
import { perTest } from '../../helpers/per-test';
import { pollUntil, sleep, within } from '../../helpers/probe';
import { expectEcho, flood } from '../../helpers/wire/raw-client';
import { openTcp, httpRequestText, randomKey, upgradeHeaders } from '../../helpers/wire/raw-http';
import { jsonLogInMemory } from '../../helpers/log-sink';

afterEach(destroyRawClients); // before perTest's: raw clients go first, so closing the server need not wait for them
const { serve, defer } = perTest();
const KiB = 1024;

describe('delay', () => {
  it('keeps the order of echoes whatever delays the range draws', async () => {
    const server = await serve();
    const c = await connect(`${server.url}/?delay=0-150`);
    const sent = Array.from({ length: 40 }, (_, i) => `message ${i}`);
    sent.forEach((text) => c.ws.send(text));
    const echoes = await within(c.nextMessages(40), 15_000, 'not every echo came');
    expect(echoes.map((m) => m.data.toString())).toEqual(sent);
  });

  it('an unseeded range logs the seed it drew, so the run can be repeated with ?seed=', async () => {
    const { options: log, events } = jsonLogInMemory();
    const server = await serve({ log });
    await connect(`${server.url}/?delay=0-100`);
    const logged = await pollUntil(events, (e) => e.some((event) => event.event === 'connection'), 50, 20);
    const connection = logged.find((event) => event.event === 'connection')!;
    expect((connection.behaviour as Record<string, unknown>).seed).toEqual(expect.any(Number));
  });
});

describe('the single-message modes with faults on', () => {
  it('one-shot with a delay: the cut echo comes late, then the drop (1006), never before it', async () => {
    const server = await serve({ mode: 'one-shot', delay: 300 });
    const raw = await rawTo(`${server.url}/`);
    const end = howTcpEnds(raw.socket);
    await raw.sendFrames([
      { opcode: Opcode.text, payload: 'abcdefghijkl' },
      { opcode: Opcode.text, payload: 'second' },
    ]);
    await expectEcho(raw, Opcode.text, 'abcdefgh');
    expect(await end).toBe('fin');
    expect((await raw.tcpEnd()).closeFrameReceived).toBe(false);
    expect(raw.unread()).toEqual([]);
    expect(server.stats()).toMatchObject({ messagesEchoed: 1, bytesEchoed: 8 });
  });

  it('whole-message with fragment=4: the one echo comes in frames, then the drop', async () => {
    const server = await serve({ mode: 'whole-message' });
    const raw = await rawTo(`${server.url}/?fragment=4`);
    await raw.sendFrame({ opcode: Opcode.binary, payload: '0123456789' });
    const frames = [await raw.nextFrame(), await raw.nextFrame(), await raw.nextFrame()];
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
      [Opcode.binary, false, '0123'],
      [Opcode.continuation, false, '4567'],
      [Opcode.continuation, true, '89'],
    ]);
    expect(await raw.tcpEnd()).toEqual({ closeFrameReceived: false, gracefulEnd: true });
  });

  it('one-shot with close-after=1: the close frame asked for comes after the echo, then TCP ends', async () => {
    const server = await serve({ mode: 'one-shot' });
    const raw = await rawTo(`${server.url}/?close-after=1&close-code=4002&close-reason=done`);
    await raw.sendFrame({ opcode: Opcode.text, payload: 'abc' });
    await expectEcho(raw, Opcode.text, 'abc');
    const close = await raw.nextClose();
    expect({ code: close.code, reason: close.reason.toString() }).toEqual({ code: 4002, reason: 'done' });
    expect((await raw.tcpEnd()).closeFrameReceived).toBe(true);
  });
});

describe('fragment', () => {
  it('cuts text anywhere, even inside a character: the message as a whole is valid UTF-8', async () => {
    const server = await serve();
    const raw = await rawTo(`${server.url}/?fragment=1`);
    await raw.sendFrame({ opcode: Opcode.text, payload: '€é' });
    const frames = await Promise.all(Array.from({ length: 5 }, () => raw.nextFrame()));
    expect(frames.map((f) => f.payload.length)).toEqual([1, 1, 1, 1, 1]);
    expect(frames.map((f) => f.opcode)).toEqual([Opcode.text, 0, 0, 0, 0]);
    expect(Buffer.concat(frames.map((f) => f.payload)).toString()).toBe('€é');
    expect(frames.map((f) => f.fin)).toEqual([false, false, false, false, true]);
  });

  it('an empty message is one final frame; a ws client reassembles big ones', async () => {
    const server = await serve({ fragment: 1000 });
    const c = await connect(`${server.url}/`);
    const big = Buffer.alloc(100 * KiB, 7);
    c.ws.send('');
    c.ws.send(big);
    const [empty, echo] = await within(c.nextMessages(2), 15_000, 'no echoes');
    expect(empty.data.length).toBe(0);
    expect(echo.isBinary).toBe(true);
    expect(echo.data.equals(big)).toBe(true);
  });
});

describe('ends after n echoes', () => {
  it('greeting, then close-after=0: the greeting comes first, then the close', async () => {
    const server = await serve();
    const c = await connect(`${server.url}/?greeting=welcome&close-after=0&close-code=4003`);
    expect(await c.closed).toEqual({ code: 4003, reason: '' });
    expect(c.received.map((m) => m.data.toString())).toEqual(['welcome']);
  });

  it('reset-after=0: RST right after the 101', async () => {
    const server = await serve();
    const raw = await rawTo(`${server.url}/?reset-after=0`);
    expect(await within(howTcpEnds(raw.socket), 10_000, 'no end')).toBe('reset');
  });

  it('forever with close-after=2: the close frame, then TCP ends without waiting for the answer', async () => {
    const server = await serve({ mode: 'forever' });
    const raw = await rawTo(`${server.url}/?close-after=2`);
    await raw.sendFrames(['a', 'b', 'c'].map((payload) => ({ opcode: Opcode.text, payload })));
    await expectEcho(raw, Opcode.text, 'a');
    await expectEcho(raw, Opcode.text, 'b');
    expect(parseClosePayload((await raw.nextFrame()).payload).code).toBe(1000);
    // The server's FIN comes though this client never answers the close frame.
    expect(await within(raw.tcpEnd(), 10_000, 'TCP still open')).toMatchObject({ gracefulEnd: true });
  });

  it('logs each fault when it fires, and the close line names it as the cause', async () => {
    const { options: log, events } = jsonLogInMemory();
    const server = await serve({ log });
    const cases = ['close-after=1', 'drop-after=1', 'reset-after=1'];
    for (const query of cases) {
      const c = await connect(`${server.url}/?${query}&greeting=hi&no-pong`);
      c.ws.ping('anyone?');
      c.ws.send('x');
      await c.closed;
    }
    const closes = await pollUntil(events, (e) => e.filter((event) => event.event === 'close').length === 3, 50, 20);
    const faults = closes.filter((event) => event.event === 'fault').map((event) => `${event.id} ${event.fault}`);
    expect(faults).toEqual(
      expect.arrayContaining(['1 greeting', '1 no-pong', '1 close-after', '2 drop-after', '3 reset-after']),
    );
    expect(closes.filter((event) => event.event === 'close').map((event) => [event.id, event.cause])).toEqual([
      [1, 'close-after=1'],
      [2, 'drop-after=1'],
      [3, 'reset-after=1'],
    ]);
  });
});

describe('counts', () => {
  it('a faulty connection counts its echoes by type when they are written, as /metrics shows', async () => {
    const server = await serve();
    const c = await connect(`${server.url}/?delay=50&fragment=2`);
    c.ws.send(Buffer.from([1, 2, 3]));
    c.ws.send('text');
    await within(c.nextMessages(2), 10_000, 'no echoes');
    const metrics = await (await fetch(server.url.replace(/^ws/, 'http') + '/metrics')).text();
    expect(metrics).toMatch(/^ws_echo_messages_echoed_total\{type="binary"\} 1$/m);
    expect(metrics).toMatch(/^ws_echo_messages_echoed_total\{type="text"\} 1$/m);
    expect(metrics).toMatch(/^ws_echo_echoed_bytes_total\{type="binary"\} 3$/m);
    expect(metrics).toMatch(/^ws_echo_received_bytes_total\{type="binary"\} 3$/m);
  });
});

describe('ping-interval per connection', () => {
  it('?ping-interval=0 turns the server pings off for that connection only', async () => {
    const server = await serve({ pingInterval: 0.2 });
    const quiet = await rawTo(`${server.url}/?ping-interval=0`);
    const pinged = await rawTo(`${server.url}/`);
    expect((await within(pinged.nextFrame(), 10_000, 'no ping')).opcode).toBe(Opcode.ping);
    await sleep(500);
    expect(quiet.unread()).toEqual([]);
  });

  it('a client with its own interval that misses a pong is dropped', async () => {
    const server = await serve();
    const raw = await rawTo(`${server.url}/?ping-interval=0.2`);
    expect((await raw.nextFrame()).opcode).toBe(Opcode.ping); // never answered
    expect(await within(raw.tcpEnd(), 10_000, 'not dropped')).toMatchObject({ closeFrameReceived: false });
  });
});

describe('accept-delay', () => {
  it('a client that leaves during the wait costs nothing, and waiting upgrades count towards --max-connections', async () => {
    const server = await serve({ maxConnections: 1 });
    const socket = await openTcp(server.port);
    defer(() => socket.destroy());
    socket.write(httpRequestText('GET', '/?accept-delay=600000', upgradeHeaders(server.port, randomKey())));
    await sleep(200);
    expect(await upgradeStatus(`${server.url}/`)).toBe(503); // the waiting one holds the only slot
    socket.destroy();
    expect(
      await pollUntil(
        () => upgradeStatus(`${server.url}/`),
        (status) => status === 101,
        50,
        50,
      ),
    ).toBe(101);
    expect(server.stats().connectionsTotal).toBe(1);
  });
});

describe('bounded memory with faults on', () => {
  it('a client flooding a delay=10000 connection is paused: what waits stays near the 1 MiB high-water mark', async () => {
    const server = await serve({ delay: 10_000 });
    const raw = await rawTo(`${server.url}/`);
    raw.socket.pause(); // it never reads
    const payload = 1 * KiB;
    const frame = buildFrame({ opcode: Opcode.binary, payload: Buffer.alloc(payload, 1), mask: ZERO_MASK });
    const flooding = flood(raw.socket, frame, 64 * 1024 * KiB, 1000);
    expect(await flooding.stuck).toBe(true);
    const { messagesReceived } = server.stats();
    // The server stopped reading once echoes waiting cost over the mark; one read (64 KiB) may finish after it.
    // Past the bound, the rest of the read in hand (up to 64 KiB of frames) is still parsed, and
    // each of its messages costs its payload plus the queue overhead: at most twice that read.
    expect(messagesReceived * (payload + QUEUED_ECHO_OVERHEAD)).toBeLessThanOrEqual(
      BACKPRESSURE_HIGH_WATER + 2 * 64 * KiB + payload + QUEUED_ECHO_OVERHEAD,
    );
    expect(messagesReceived).toBeGreaterThan(100);
    // Others are served meanwhile.
    const other = await connect(`${server.url}/?delay=0`);
    other.ws.send('still here');
    expect((await other.nextMessages(1))[0].data.toString()).toBe('still here');
  });

  it('logs stay bounded: a log stream that never drains drops lines while fragmented, delayed echoes go on', async () => {
    let writable = 0;
    const stuck = new Writable({
      write(chunk: Buffer, _encoding, _callback) {
        writable += chunk.length; // never calls back: this stream never drains
      },
    });
    const server = await serve({
      log: { format: 'pretty', stdout: stuck, stderr: stuck },
      fragment: 16,
      delay: [0, 2],
    });
    const c = await connect(`${server.url}/`);
    // About 120 bytes of log line each: 5,000 of them are twice what the log may queue.
    const text = (i: number): string => `message ${i} `.padEnd(100, '.');
    for (let i = 0; i < 5000; i++) c.ws.send(text(i));
    const echoes = await within(c.nextMessages(5000), 60_000, 'not every echo came');
    expect(echoes[4999].data.toString()).toBe(text(4999));
    expect(server.stats().logLinesDropped).toBeGreaterThan(0);
    expect(stuck.writableLength).toBeLessThanOrEqual(LOG_HIGH_WATER + 64 * KiB);
    expect(writable).toBeLessThanOrEqual(LOG_HIGH_WATER + 64 * KiB);
  });

  it('a thousand connections with echoes waiting leave no timer behind once they close', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const server = await serve({ delay: 600_000 });
    const before = timers();
    const clients = await Promise.all(Array.from({ length: 1000 }, () => connect(`${server.url}/`)));
    clients.forEach((c) => c.ws.send('waits'));
    await pollUntil(
      () => server.stats().messagesReceived,
      (n) => n === 1000,
      100,
      50,
    );
    // One timer per connection (a few of the test's own may come and go).
    expect(timers()).toBeGreaterThanOrEqual(before + 1000 - 5);
    clients.forEach((c) => c.ws.terminate());
    await pollUntil(
      () => server.connections(),
      (n) => n === 0,
      100,
      50,
    );
    expect(timers()).toBeLessThanOrEqual(before + 5);
  });
});
