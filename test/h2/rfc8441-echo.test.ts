// WebSockets over HTTP/2 (RFC 8441, --h2) echo as they do over HTTP/1.1, in h2c and over TLS (ALPN h2): every frame
// kind, subprotocols, permessage-deflate, the size limit (1009), ten WebSockets and plain requests multiplexed on one
// session, the transport named in events, logs and /metrics, and HTTP/1.1 still served on the same port.
import WebSocket from 'ws';
import type { EchoServerOptions } from '../../src';
import { H2_MAX_STREAMS, H2_WINDOW_BYTES } from '../../src/edge/h2/h2-listener';
import { openClient } from '../helpers/clients';
import { jsonLogInMemory, LogSink } from '../helpers/log-sink';
import { perTest } from '../helpers/per-test';
import { getHealth, waitUntil } from '../helpers/probe';
import { compressMessage, messageOf } from '../helpers/wire/deflate-frames';
import { fragments, Opcode, parseClosePayload, type Frame } from '../helpers/wire/frames';
import { H2Client } from '../helpers/wire/h2-websocket';
import { makeTestCert, type TestCert } from '../helpers/tls-cert';

const { serve, defer } = perTest();

let cert: TestCert;
beforeAll(() => {
  cert = makeTestCert();
});
afterAll(() => cert?.remove());

const TRANSPORTS: Array<[string, () => EchoServerOptions]> = [
  ['h2c (clear text)', () => ({})],
  ['TLS with ALPN h2', () => ({ tls: { cert: cert.cert, key: cert.key } })],
];

/** Expects `frame` to be an unmasked final frame of `opcode` carrying `payload`. */
function expectFrame(frame: Frame, opcode: number, payload: Buffer | string): void {
  expect({ opcode: frame.opcode, fin: frame.fin, masked: frame.masked }).toEqual({ opcode, fin: true, masked: false });
  expect(frame.payload.equals(Buffer.from(payload))).toBe(true);
}

describe.each(TRANSPORTS)('over %s', (_name, transport) => {
  /** A server with --h2 and one HTTP/2 session to it. */
  const session = async (options: EchoServerOptions = {}): Promise<{ url: string; client: H2Client }> => {
    const server = await serve({ h2: true, ...transport(), ...options });
    const client = new H2Client(server.url);
    defer(() => client.destroy());
    return { url: server.url, client };
  };

  test('the server offers extended CONNECT, a 4 MiB window and a bound on concurrent streams', async () => {
    const { client } = await session();
    const settings = await client.settings;
    expect(settings).toMatchObject({
      enableConnectProtocol: true,
      initialWindowSize: H2_WINDOW_BYTES,
      maxConcurrentStreams: H2_MAX_STREAMS,
    });
  });

  test('text, binary, fragmented and ping frames echo; a close is answered and the stream ends cleanly', async () => {
    const { client } = await session();
    const ws = await client.webSocket('/', { 'sec-websocket-protocol': 'chat, other' });
    expect(ws.status).toBe(200);
    expect(ws.headers['sec-websocket-protocol']).toBe('chat');
    ws.sendText('héllo');
    expectFrame(await ws.nextFrame(), Opcode.text, 'héllo');
    ws.send({ opcode: Opcode.binary, payload: Buffer.from([0, 1, 2, 255]) });
    expectFrame(await ws.nextFrame(), Opcode.binary, Buffer.from([0, 1, 2, 255]));
    for (const spec of fragments(Opcode.text, ['frag', 'men', 'ted'])) ws.send(spec);
    expectFrame(await ws.nextFrame(), Opcode.text, 'fragmented');
    ws.send({ opcode: Opcode.ping, payload: 'are you there' });
    expectFrame(await ws.nextFrame(), Opcode.pong, 'are you there');
    ws.close(1000, 'bye');
    const close = await ws.nextFrame();
    expect(close.opcode).toBe(Opcode.close);
    expect(parseClosePayload(close.payload).code).toBe(1000);
    expect(await ws.ended).toEqual({ endStream: true, rstCode: 0 });
  });

  test('permessage-deflate is negotiated and compressed messages echo compressed', async () => {
    const { client } = await session({ deflate: true });
    const ws = await client.webSocket('/', { 'sec-websocket-extensions': 'permessage-deflate' });
    expect(ws.headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
    const text = 'compress me '.repeat(200);
    ws.send({ opcode: Opcode.text, rsv1: true, payload: compressMessage(text) });
    const echo = await ws.nextFrame();
    expect(echo.rsv1).toBe(true);
    expect(messageOf(echo).toString()).toBe(text);
  });

  test('a message over maxPayload is closed with 1009', async () => {
    const { client } = await session({ maxPayload: 1024 });
    const ws = await client.webSocket('/');
    ws.send({ opcode: Opcode.binary, payload: Buffer.alloc(2000) });
    const close = await ws.nextFrame();
    expect(close.opcode).toBe(Opcode.close);
    expect(parseClosePayload(close.payload).code).toBe(1009);
  });

  test('ten WebSockets and GET /healthz share one session, each echoing its own messages', async () => {
    const { client } = await session();
    const sockets = await Promise.all(Array.from({ length: 10 }, (_, i) => client.webSocket(`/?n=${i}`)));
    sockets.forEach((ws, i) => ws.sendText(`socket ${i}`));
    const health = await client.get('/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', connections: 10 });
    for (const [i, ws] of sockets.entries()) expectFrame(await ws.nextFrame(), Opcode.text, `socket ${i}`);
    expect(client.session.closed).toBe(false);
  });

  test('the connection event, the log and /metrics say which transport each WebSocket came over', async () => {
    const log = jsonLogInMemory();
    const server = await serve({ h2: true, ...transport(), log: log.options });
    const transports: unknown[] = [];
    server.on('connection', (event) => transports.push(event.transport));
    const client = new H2Client(server.url);
    defer(() => client.destroy());
    const ws = await client.webSocket('/');
    const http1 = await openClient(server.url, { rejectUnauthorized: false });
    defer(() => http1.terminate());
    ws.sendText('x');
    await ws.nextFrame();
    expect(transports).toEqual(['h2', 'http/1.1']);
    const logged = log.events().filter((event) => event.event === 'connection');
    expect(logged.map((event) => event.transport)).toEqual(['h2', 'http/1.1']);
    const metrics = await client.get('/metrics');
    expect(metrics.body).toMatch(/^ws_echo_h2_connections_total 1$/m);
    expect(metrics.body).toMatch(/^ws_echo_connections_total 2$/m);
  });

  test('HTTP/1.1 upgrades and plain requests are still served on the same port', async () => {
    const { url } = await session();
    const ws = await openClient(url, { rejectUnauthorized: false });
    defer(() => ws.terminate());
    const echoed = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.send('over HTTP/1.1');
    expect(await echoed).toBe('over HTTP/1.1');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect((await getHealth(url, { ca: cert.cert })).connections).toBe(1);
  });

  test('the console page answers a browser over HTTP/2', async () => {
    const { client } = await session();
    const page = await client.get('/', { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/<html/i);
  });
});

test('the pretty connection line says "over HTTP/2" for an RFC 8441 WebSocket only', async () => {
  const sink = new LogSink('pretty');
  const server = await serve({ h2: true, log: sink.log });
  const client = new H2Client(server.url);
  defer(() => client.destroy());
  const ws = await client.webSocket('/chat');
  ws.sendText('x');
  await ws.nextFrame();
  const http1 = await openClient(server.url);
  defer(() => http1.terminate());
  const connected = (): string[] =>
    sink
      .text()
      .split('\n')
      .filter((line) => line.includes('connected from'));
  await waitUntil(() => connected().length === 2);
  const lines = connected();
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/path \/chat over HTTP\/2/);
  expect(lines[1]).not.toMatch(/HTTP\/2/);
});
