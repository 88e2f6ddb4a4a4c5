// One connection through the test-fixture API: received and nextMessage(), send, close, drop, closed; a scripted (echo: false) server.
import { RECORD_MAX_BYTES, RECORD_MAX_MESSAGES } from '../src/core/constants';
import { perTest } from './helpers/per-test';
import { waitUntil } from './helpers/probe';

const { serve, client } = perTest();

/** A server, one ws client of it, and that connection as the server's test sees it. */
async function pair(options: Parameters<typeof serve>[0] = {}) {
  const server = await serve(options);
  const ws = await client(`${server.url}/chat`);
  const connection = await server.nextConnection();
  return { server, ws, connection };
}

describe('what the client sent', () => {
  it('received: text as a string, binary as a Buffer, with isBinary and the time, in order', async () => {
    const { ws, connection } = await pair();
    const before = Date.now();
    ws.ws.send('héllo');
    ws.ws.send(Buffer.from([0, 255]));
    ws.ws.send('');
    await ws.nextMessages(3);
    await waitUntil(() => connection.received.length === 3);
    expect(connection.received.map(({ data, isBinary }) => ({ data, isBinary }))).toEqual([
      { data: 'héllo', isBinary: false },
      { data: Buffer.from([0, 255]), isBinary: true },
      { data: '', isBinary: false },
    ]);
    for (const { time } of connection.received) {
      expect(time).toBeInstanceOf(Date);
      expect(time.getTime()).toBeGreaterThanOrEqual(before - 1);
    }
  });

  it('nextMessage() hands out each message once, in order, whether it arrived before or after the call', async () => {
    const { ws, connection } = await pair();
    ws.ws.send('one');
    await ws.nextMessages(1);
    const waiting = [connection.nextMessage(), connection.nextMessage(), connection.nextMessage()];
    ws.ws.send('two');
    ws.ws.send(Buffer.from('three'));
    const got = await Promise.all(waiting);
    expect(got.map((m) => [m.data.toString(), m.isBinary])).toEqual([['one', false], ['two', false], ['three', true]]);
  });

  it('a timeout says which message was awaited, what arrived, and that the connection is open', async () => {
    const { ws, connection } = await pair();
    ws.ws.send('first');
    await connection.nextMessage();
    await expect(connection.nextMessage({ timeout: 50 })).rejects.toThrow(
      'nextMessage() timed out after 50 ms waiting for message 2 from connection #1 (/chat): 1 message arrived, 1 taken by earlier nextMessage() calls; the last: text 5 B "first"; the connection is open',
    );
    await expect(connection.nextMessage({ timeout: 0 })).rejects.toThrow(/timeout must be a number of milliseconds above 0/);
  });

  it('a wait rejects as soon as the connection closes with nothing left, saying how it closed', async () => {
    const { ws, connection } = await pair();
    const waiting = connection.nextMessage({ timeout: Infinity });
    ws.ws.close(4001, 'gone');
    await expect(waiting).rejects.toThrow(
      'nextMessage(): connection #1 (/chat) closed (4001 "gone", client first) before message 1 arrived: no message arrived',
    );
    await expect(connection.nextMessage()).rejects.toThrow(/closed \(4001 "gone", client first\) before message 1 arrived/);
  });

  it(`recording is bounded: ${RECORD_MAX_MESSAGES} messages, oldest out first; nextMessage() skips what was pushed out`, async () => {
    const { ws, connection } = await pair({ echo: false });
    for (let i = 1; i <= RECORD_MAX_MESSAGES + 5; i++) ws.ws.send(String(i));
    await waitUntil(() => connection.received.at(-1)?.data === String(RECORD_MAX_MESSAGES + 5));
    expect(connection.received).toHaveLength(RECORD_MAX_MESSAGES);
    expect(connection.received[0].data).toBe('6');
    expect((await connection.nextMessage()).data).toBe('6');
    expect((await connection.nextMessage()).data).toBe('7');
  });

  it(`recording is bounded: ${RECORD_MAX_BYTES / 1024 / 1024} MiB, oldest out first, the newest always kept`, async () => {
    const { ws, connection } = await pair({ echo: false });
    const big = (fill: number): Buffer => Buffer.alloc(6 * 1024 * 1024, fill);
    ws.ws.send(big(1));
    ws.ws.send(big(2));
    ws.ws.send(big(3)); // 18 MiB: the first goes
    await waitUntil(() => connection.received.length > 0 && (connection.received.at(-1)?.data as Buffer)[0] === 3);
    expect(connection.received.map((m) => (m.data as Buffer)[0])).toEqual([2, 3]);
    ws.ws.send(Buffer.alloc(RECORD_MAX_BYTES + 1, 4)); // alone over the cap: kept, all else goes
    await waitUntil(() => (connection.received.at(-1)?.data as Buffer)[0] === 4);
    expect(connection.received.map((m) => (m.data as Buffer).length)).toEqual([RECORD_MAX_BYTES + 1]);
  }, 30_000);
});

describe('answering from the test', () => {
  it('send(): a string arrives as text; a Buffer, Uint8Array or ArrayBuffer as binary', async () => {
    const { ws, connection } = await pair({ echo: false });
    connection.send('text');
    connection.send(Buffer.from([1]));
    connection.send(new Uint8Array([2, 3]));
    connection.send(new Uint8Array([4, 5, 6]).buffer);
    expect((await ws.nextMessages(4)).map((m) => [m.data.toString('hex'), m.isBinary])).toEqual([
      [Buffer.from('text').toString('hex'), false],
      ['01', true],
      ['0203', true],
      ['040506', true],
    ]);
    expect(() => connection.send({ not: 'data' } as never)).toThrow(TypeError);
  });

  it('echo: false is a scripted server: nothing is echoed, the test answers each message', async () => {
    const { server, ws } = await pair({ echo: false });
    server.on('message', (_event, message, c) => c.send(`you said ${String(message.data)}`));
    ws.ws.send('a');
    ws.ws.send('b');
    expect((await ws.nextMessages(2)).map((m) => m.data.toString())).toEqual(['you said a', 'you said b']);
    expect(server.stats()).toMatchObject({ messagesReceived: 2, messagesEchoed: 0 });
  });

  it('close(code, reason) sends a close frame, even in a mode that drops: the client sees it, closed says server first, clean', async () => {
    for (const mode of ['graceful', 'forever'] as const) {
      const { ws, connection } = await pair({ mode });
      connection.close(4000, 'test over');
      expect(await ws.closed).toEqual({ code: 4000, reason: 'test over' });
      expect(await connection.closed).toEqual({ code: 4000, reason: 'test over', clean: true, initiator: 'server', cause: 'closed by the test' });
      expect(() => connection.send('late')).toThrow('send(): connection #1 (/chat) is closed (4000 "test over"); nothing more can be sent to it');
      connection.close(); // already closed: nothing happens
    }
  });

  it('close() checks its code and reason', async () => {
    const { connection } = await pair();
    expect(() => connection.close(1005)).toThrow('close(): code must be 1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4), got 1005');
    expect(() => connection.close(1000, 'x'.repeat(124))).toThrow('close(): reason must be at most 123 bytes of UTF-8, got 124');
    expect(connection.isOpen).toBe(true);
  });

  it('drop() ends TCP with no close frame after what is queued: the client gets the last message, then 1006', async () => {
    const { ws, connection } = await pair();
    connection.send('last words');
    connection.drop();
    expect(connection.isOpen).toBe(false);
    expect(() => connection.send('more')).toThrow(/is being dropped/);
    expect((await ws.nextMessages(1))[0].data.toString()).toBe('last words');
    expect((await ws.closed).code).toBe(1006);
    expect(await connection.closed).toEqual({ code: 1006, reason: '', clean: false, initiator: 'server', cause: 'dropped by the test' });
  });

  it('closed: a close from the client resolves with its code, clean, client first', async () => {
    const { ws, connection } = await pair();
    ws.ws.close(1000, 'bye');
    expect(await connection.closed).toEqual({ code: 1000, reason: 'bye', clean: true, initiator: 'client' });
  });

  it('bufferedAmount: what waits to be written to a client that does not read', async () => {
    const { ws, connection } = await pair({ echo: false });
    ws.ws.pause(); // the ws client stops reading its socket
    while (connection.bufferedAmount === 0) {
      connection.send(Buffer.alloc(1024 * 1024));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(connection.bufferedAmount).toBeGreaterThan(0);
  });
});
