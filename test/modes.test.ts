// Each echo mode as a client observes it, against the in-process server on port 0.
import { startEchoServer, type EchoMode, type EchoServer } from '../src';
import { connect, waitUntil, type TestClient } from './helpers/clients';

let server: EchoServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(mode: EchoMode, options: { bufferSize?: number } = {}): Promise<EchoServer> {
  server = await startEchoServer({ mode, ...options });
  return server;
}

/** Sends `parts` as the fragments of one message. */
function sendFragmented(client: TestClient, parts: Array<string | Buffer>, binary: boolean): void {
  parts.forEach((part, index) => client.ws.send(part, { binary, fin: index === parts.length - 1 }));
}

// ws's client gives up on a missing close frame after 30 s and then reports 1006 too; a
// 15 s limit makes sure the 1006 we see comes from the server ending TCP, not from that timer.
const BEFORE_WS_CLOSE_TIMER = 15_000;

describe('one-shot', () => {
  it('echoes the first 8 bytes of a 20-byte message, then drops the connection (1006)', async () => {
    const client = await connect((await serve('one-shot')).url);
    client.ws.send('abcdefghijklmnopqrst');
    client.ws.send('second message, never echoed');
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    expect(client.received.map((m) => [m.data.toString(), m.isBinary])).toEqual([['abcdefgh', false]]);
  }, BEFORE_WS_CLOSE_TIMER);

  it('keeps binary binary and honours --buffer-size', async () => {
    const client = await connect((await serve('one-shot', { bufferSize: 3 })).url);
    client.ws.send(Buffer.from([0, 1, 2, 3, 4, 5]));
    await client.closed;
    expect(client.received).toEqual([{ data: Buffer.from([0, 1, 2]), isBinary: true }]);
  });

  it.each([
    ['ééééé', 'éééé'], // 10 bytes, cut at 8 falls between characters
    ['€€€', '€€'], // 9 bytes, cut at 8 falls inside the third character
    ['a😀😀', 'a😀'], // 1 + 4 + 4 bytes, cut at 8 falls inside the second emoji
  ])('cuts text %s back to the last whole character: %s', async (sent, expected) => {
    const client = await connect((await serve('one-shot')).url);
    client.ws.send(sent);
    await client.closed;
    expect(client.received).toHaveLength(1);
    expect(client.received[0].isBinary).toBe(false);
    expect(client.received[0].data.toString()).toBe(expected);
  });

  it('echoes a message shorter than the buffer as it is, and an empty one as empty', async () => {
    const url = (await serve('one-shot')).url;
    const short = await connect(url);
    short.ws.send('hi');
    await short.closed;
    expect(short.received[0].data.toString()).toBe('hi');
    const empty = await connect(url);
    empty.ws.send('');
    await empty.closed;
    expect(empty.received).toEqual([{ data: Buffer.alloc(0), isBinary: false }]);
  });
});

describe('whole-message', () => {
  it('echoes a message sent in several fragments whole, then drops the connection (1006)', async () => {
    const client = await connect((await serve('whole-message')).url);
    sendFragmented(client, ['first part, ', 'second part, ', 'last part'], false);
    client.ws.send('not echoed');
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    expect(client.received.map((m) => [m.data.toString(), m.isBinary])).toEqual([['first part, second part, last part', false]]);
  }, BEFORE_WS_CLOSE_TIMER);

  it('echoes a large fragmented binary message byte for byte', async () => {
    const client = await connect((await serve('whole-message')).url);
    const payload = Buffer.from(Array.from({ length: 3 * 65536 + 7 }, (_, i) => (i * 31) & 0xff));
    sendFragmented(client, [payload.subarray(0, 65536), payload.subarray(65536, 200_000), payload.subarray(200_000)], true);
    await client.closed;
    expect(client.received).toHaveLength(1);
    expect(client.received[0].isBinary).toBe(true);
    expect(client.received[0].data.equals(payload)).toBe(true);
  });
});

describe('forever', () => {
  it('echoes 100 messages in order; closing gets 1006 at once, with no close frame back', async () => {
    const client = await connect((await serve('forever')).url);
    const sent = Array.from({ length: 100 }, (_, i) => `message ${i}`);
    sent.forEach((text) => client.ws.send(text));
    const echoes = await client.nextMessages(100);
    expect(echoes.map((m) => m.data.toString())).toEqual(sent);
    client.ws.close(1000, 'done');
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
  }, BEFORE_WS_CLOSE_TIMER);
});

describe('graceful', () => {
  it('echoes every message and completes the close handshake with the client code and reason', async () => {
    const client = await connect((await serve('graceful')).url);
    client.ws.send('one');
    client.ws.send(Buffer.from('two'));
    await client.nextMessages(2);
    client.ws.close(4000, 'bye');
    expect(await client.closed).toEqual({ code: 4000, reason: 'bye' });
    expect(client.received.map((m) => [m.data.toString(), m.isBinary])).toEqual([
      ['one', false],
      ['two', true],
    ]);
  });

  it('answers a close frame without a status code with 1000', async () => {
    const client = await connect((await serve('graceful')).url);
    client.ws.close();
    expect((await client.closed).code).toBe(1000);
  });
});

describe.each<EchoMode>(['one-shot', 'whole-message', 'forever', 'graceful'])('in %s mode', (mode) => {
  it('answers a ping with a pong carrying the same payload', async () => {
    const client = await connect((await serve(mode)).url);
    const pong = new Promise<Buffer>((resolve) => client.ws.once('pong', resolve));
    client.ws.ping('are you there');
    expect((await pong).toString()).toBe('are you there');
  });

  it('echoes text as text, binary as binary, and empty as empty', async () => {
    const url = (await serve(mode)).url;
    const cases: Array<[string | Buffer, boolean]> = [
      ['text', false],
      [Buffer.from([0xff, 0x00]), true],
      ['', false],
      [Buffer.alloc(0), true],
    ];
    for (const [data, isBinary] of cases) {
      const client = await connect(url);
      client.ws.send(data, { binary: isBinary });
      const [echo] = await client.nextMessages(1);
      expect(echo).toEqual({ data: Buffer.from(data), isBinary });
      client.ws.terminate();
    }
  });
});

describe('server.close()', () => {
  it('sends 1001 to graceful clients and waits for them', async () => {
    const s = await serve('graceful');
    const clients = await Promise.all([connect(s.url), connect(s.url)]);
    await s.close();
    for (const client of clients) expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(s.connections()).toBe(0);
  });

  it('drops the connections of the other modes with no close frame (1006)', async () => {
    const s = await serve('forever');
    const client = await connect(s.url);
    await s.close();
    expect((await client.closed).code).toBe(1006);
  });
});

describe('stats()', () => {
  it('counts connections, messages and bytes both ways', async () => {
    const s = await serve('one-shot');
    const client = await connect(s.url);
    client.ws.send('0123456789');
    await client.closed;
    await waitUntil(() => s.connections() === 0);
    expect(s.stats()).toMatchObject({
      connectionsTotal: 1,
      connectionsOpen: 0,
      messagesReceived: 1,
      messagesEchoed: 1,
      bytesReceived: 10,
      bytesEchoed: 8,
      protocolErrors: 0,
    });
  });
});
