// Each echo mode does what the README says, as a ws client observes it against the in-process server: what is echoed,
// how the connection ends, pongs, server.close(), and the counts stats() gives.
import type { EchoMode } from '../../src';
import { connect, sendFragmented } from '../helpers/clients';
import { MODE_CHECK_TIMEOUT, MODE_CHECKS } from '../helpers/mode-checks';
import { perTest } from '../helpers/per-test';
import { waitUntil } from '../helpers/probe';

const { serve } = perTest();

describe('each mode as documented (helpers/mode-checks.ts)', () => {
  it.each(MODE_CHECKS)(
    '$mode: $behaviour',
    async ({ mode, check }) => check((await serve({ mode })).url),
    MODE_CHECK_TIMEOUT,
  );
});

describe('one-shot', () => {
  it('keeps binary binary and honours --buffer-size', async () => {
    const client = await connect((await serve({ mode: 'one-shot', bufferSize: 3 })).url);
    client.ws.send(Buffer.from([0, 1, 2, 3, 4, 5]));
    await client.closed;
    expect(client.received).toEqual([{ data: Buffer.from([0, 1, 2]), isBinary: true }]);
  });

  it.each([
    ['ééééé', 'éééé'], // 10 bytes, cut at 8 falls between characters
    ['€€€', '€€'], // 9 bytes, cut at 8 falls inside the third character
    ['a😀😀', 'a😀'], // 1 + 4 + 4 bytes, cut at 8 falls inside the second emoji
  ])('cuts text %s back to the last whole character: %s', async (sent, expected) => {
    const client = await connect((await serve({ mode: 'one-shot' })).url);
    client.ws.send(sent);
    await client.closed;
    expect(client.received).toHaveLength(1);
    expect(client.received[0].isBinary).toBe(false);
    expect(client.received[0].data.toString()).toBe(expected);
  });

  it('echoes a message shorter than the buffer as it is, and an empty one as empty', async () => {
    const url = (await serve({ mode: 'one-shot' })).url;
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
  it('echoes a large fragmented binary message byte for byte', async () => {
    const client = await connect((await serve({ mode: 'whole-message' })).url);
    const payload = Buffer.from(Array.from({ length: 3 * 65536 + 7 }, (_, i) => (i * 31) & 0xff));
    sendFragmented(
      client,
      [payload.subarray(0, 65536), payload.subarray(65536, 200_000), payload.subarray(200_000)],
      true,
    );
    await client.closed;
    expect(client.received).toHaveLength(1);
    expect(client.received[0].isBinary).toBe(true);
    expect(client.received[0].data.equals(payload)).toBe(true);
  });
});

describe('graceful', () => {
  it('answers a close frame without a status code with 1000', async () => {
    const client = await connect((await serve({ mode: 'graceful' })).url);
    client.ws.close();
    expect((await client.closed).code).toBe(1000);
  });
});

describe.each<EchoMode>(['one-shot', 'whole-message', 'forever', 'graceful'])('in %s mode', (mode) => {
  it('answers a ping with a pong carrying the same payload', async () => {
    const client = await connect((await serve({ mode })).url);
    const pong = new Promise<Buffer>((resolve) => client.ws.once('pong', resolve));
    client.ws.ping('are you there');
    expect((await pong).toString()).toBe('are you there');
  });

  it('echoes text as text, binary as binary, and empty as empty', async () => {
    const url = (await serve({ mode })).url;
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
    const s = await serve({ mode: 'graceful' });
    const clients = await Promise.all([connect(s.url), connect(s.url)]);
    await s.close();
    for (const client of clients) expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(s.connections()).toBe(0);
  });

  it('drops the connections of the other modes with no close frame (1006)', async () => {
    const s = await serve({ mode: 'forever' });
    const client = await connect(s.url);
    await s.close();
    expect((await client.closed).code).toBe(1006);
  });
});

describe('stats()', () => {
  it('counts connections, messages and bytes both ways', async () => {
    const s = await serve({ mode: 'one-shot' });
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

describe('a drop waits for the echo to go out', () => {
  // The linger before a dropped socket is destroyed starts once our FIN is out, so a client
  // that takes longer than it to read a big echo still gets the whole echo.
  it.each([
    ['no heartbeat', {}],
    ['a 0.1 s ping interval', { pingInterval: 0.1 }],
  ])('whole-message with %s: a 20 MiB echo read after 2.5 s arrives whole', async (_name, extra) => {
    const server = await serve({ mode: 'whole-message', ...extra });
    const client = await connect(server.url);
    const payload = Buffer.alloc(20 * 1024 * 1024, 7);
    client.ws.send(payload);
    // Until the server has the whole message the client must read (and answer pings); a client
    // that stops reading before that misses a pong and is dropped by the heartbeat, as it should be.
    await waitUntil(() => server.stats().messagesReceived === 1);
    client.ws.pause(); // reads nothing for longer than the 2 s linger
    await new Promise((resolve) => setTimeout(resolve, 2500));
    client.ws.resume();
    expect((await client.closed).code).toBe(1006);
    expect(client.received).toHaveLength(1);
    expect(client.received[0].data.equals(payload)).toBe(true);
  });
});
