// An RFC 8441 WebSocket is refused, delayed and ended as an HTTP/1.1 one: the same statuses and bodies on its stream
// (path, origin, bad URL parameter, reject=, another :protocol, the connection limit counting both transports),
// accept-delay, and the endings: drop-after ends the stream (END_STREAM, no close frame), reset-after resets it
// (RST_STREAM CANCEL), and neither touches the other streams of the session.
import type { EchoServerOptions } from '../../src';
import { openClient } from '../helpers/clients';
import { perTest } from '../helpers/per-test';
import { Opcode } from '../helpers/wire/frames';
import { H2Client, NGHTTP2_CANCEL } from '../helpers/wire/h2-websocket';
import { rawUpgrade } from '../helpers/wire/raw-http';

const { serve, defer, running } = perTest();

/** A clear-text server with --h2 and one HTTP/2 session to it. */
async function session(options: EchoServerOptions = {}): Promise<{ port: number; url: string; client: H2Client }> {
  const server = await serve({ h2: true, ...options });
  const client = new H2Client(server.url);
  defer(() => client.destroy());
  return { port: server.port, url: server.url, client };
}

describe('refusals answer the stream with the status and body HTTP/1.1 gets', () => {
  const CASES: Array<[string, EchoServerOptions, string, Record<string, string>, number]> = [
    ['a path not served', { path: '/ws' }, '/elsewhere', {}, 404],
    ['an origin not allowed', { origins: ['https://good.example'] }, '/', { origin: 'https://evil.example' }, 403],
    ['a bad URL behaviour parameter', {}, '/?delay=banana', {}, 400],
    ['reject= as asked', {}, '/?reject=503', {}, 503],
  ];

  test.each(CASES)('%s', async (_name, options, path, headers, status) => {
    const { port, client } = await session(options);
    const answer = await client.refused(path, headers);
    const http1 = await rawUpgrade(port, { path, headers });
    expect(http1.status).toBe(status);
    expect(answer.status).toBe(status);
    expect(answer.body).toBe(http1.body);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  test('a :protocol other than websocket is refused as another Upgrade would be (400)', async () => {
    const { client } = await session();
    const answer = await client.refused('/', { ':protocol': 'mqtt' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/unsupported Upgrade "mqtt"; only websocket is served/);
  });

  test('--max-connections counts WebSockets over both transports', async () => {
    const { url, client } = await session({ maxConnections: 2 });
    const first = await client.webSocket('/');
    expect(first.status).toBe(200);
    const http1 = await openClient(url);
    defer(() => http1.terminate());
    const third = await client.refused('/');
    expect(third.status).toBe(503);
    expect(third.body).toMatch(/connection limit/);
    await expect(openClient(url)).rejects.toThrow(/HTTP 503/);
  });

  test('accept-delay holds the 200 back, then the stream echoes', async () => {
    const { client } = await session();
    const ws = await client.webSocket('/?accept-delay=200');
    expect(ws.status).toBe(200);
    ws.sendText('late');
    expect((await ws.nextFrame()).payload.toString()).toBe('late');
  });
});

describe('the endings of one stream leave the session and its other streams alone', () => {
  test('drop-after ends the stream (END_STREAM) after the echo, with no close frame', async () => {
    const { client } = await session();
    const other = await client.webSocket('/');
    const dropped = await client.webSocket('/?drop-after=1');
    dropped.sendText('last');
    expect((await dropped.nextFrame()).payload.toString()).toBe('last');
    await dropped.until(() => dropped.stream.readableEnded);
    expect(dropped.frames).toEqual([]); // no close frame came
    other.sendText('still here');
    expect((await other.nextFrame()).payload.toString()).toBe('still here');
  });

  test('reset-after resets the stream (RST_STREAM CANCEL) after the echo; the session goes on', async () => {
    const { client } = await session();
    const other = await client.webSocket('/');
    const reset = await client.webSocket('/?reset-after=1');
    reset.sendText('last');
    expect((await reset.nextFrame()).payload.toString()).toBe('last');
    expect(await reset.ended).toEqual({ endStream: false, rstCode: NGHTTP2_CANCEL });
    expect(client.session.closed).toBe(false);
    other.sendText('still here');
    expect((await other.nextFrame()).payload.toString()).toBe('still here');
    const fresh = await client.webSocket('/');
    fresh.send({ opcode: Opcode.ping, payload: 'p' });
    expect((await fresh.nextFrame()).opcode).toBe(Opcode.pong);
    expect((await client.get('/healthz')).status).toBe(200);
  });

  test('a stream the client resets closes its WebSocket; the session and its other streams go on', async () => {
    const { client } = await session();
    const other = await client.webSocket('/');
    await running().nextConnection();
    const gone = await client.webSocket('/');
    const served = await running().nextConnection();
    gone.stream.close(NGHTTP2_CANCEL);
    expect(await served.closed).toMatchObject({ code: 1006 });
    expect(running().connections()).toBe(1);
    other.sendText('still here');
    expect((await other.nextFrame()).payload.toString()).toBe('still here');
  });
});
