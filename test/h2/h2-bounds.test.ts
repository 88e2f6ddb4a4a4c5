// What an HTTP/2 client can cost: one that never reads is held by HTTP/2 flow control and the echo loop's
// backpressure (what the server holds stays bounded, and everything echoes once it reads), and a session that opens
// no stream is closed after --handshake-timeout; a shutdown ends the WebSockets of a session and then the session.
import { connect as http2Connect } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { perTest } from '../helpers/per-test';
import { makeTestCert, type TestCert } from '../helpers/tls-cert';
import { pollUntil } from '../helpers/probe';
import { Opcode } from '../helpers/wire/frames';
import { H2Client } from '../helpers/wire/h2-websocket';

const { serve, defer, cliServer } = perTest();

let cert: TestCert;
beforeAll(() => {
  cert = makeTestCert();
});
afterAll(() => cert?.remove());
const MiB = 1024 * 1024;

test('a client that never reads is held back: what the server takes in stays bounded, and all echoes once it reads', async () => {
  const server = await serve({ h2: true });
  const client = new H2Client(server.url);
  defer(() => client.destroy());
  const ws = await client.webSocket('/');
  ws.pause();
  const message = Buffer.alloc(64 * 1024, 7);
  const count = 256; // 16 MiB offered
  for (let i = 0; i < count; i++) ws.send({ opcode: Opcode.binary, payload: message });
  const offered = count * (message.length + 14); // each frame's header: 2 + 8 (length) + 4 (mask)
  // Once nothing more gets through, the server has let in only a bounded share of the 16 MiB: what the client's
  // stream still holds is what HTTP/2 flow control keeps out.
  let before = -1;
  const stalled = await pollUntil(
    () => offered - ws.stream.writableLength,
    (now) => {
      const still = now > 0 && now === before;
      before = now;
      return still;
    },
    200,
    250,
  );
  expect(stalled).toBeLessThan(8 * MiB);
  const all = ws.until(() => ws.frames.length === count);
  ws.stream.resume();
  await all;
  expect(server.stats().messagesEchoed).toBe(count);
});

test('a session that opens no stream is closed (GOAWAY) after --handshake-timeout', async () => {
  const server = await serve({ h2: true, handshakeTimeout: 0.3 });
  const client = new H2Client(server.url);
  defer(() => client.destroy());
  const goaway = new Promise<number>((resolve) => client.session.once('goaway', (code: number) => resolve(code)));
  expect(await goaway).toBe(0);
  await new Promise((resolve) => client.session.once('close', resolve));
});

test('close() ends RFC 8441 WebSockets with 1001 and resolves once their session is gone', async () => {
  const server = await serve({ h2: true });
  const client = new H2Client(server.url);
  defer(() => client.destroy());
  const ws = await client.webSocket('/');
  const sessionClosed = new Promise((resolve) => client.session.once('close', resolve));
  const closing = server.close();
  const close = await ws.nextFrame();
  expect(close.opcode).toBe(Opcode.close);
  expect(close.payload.readUInt16BE(0)).toBe(1001);
  ws.close(1001);
  await closing;
  await sessionClosed;
});

describe.each([
  ['h2c (clear text)', false],
  ['TLS', true],
])('HTTP/1.1 beside HTTP/2 over %s keeps its handshake timeout', (_name, secure) => {
  test('a request never finished gets 408', async () => {
    const tls = secure ? { tls: { cert: cert.cert, key: cert.key } } : {};
    const server = await serve({ h2: true, handshakeTimeout: 0.5, ...tls });
    const socket = secure
      ? tlsConnect({ port: server.port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
      : tcpConnect(server.port, '127.0.0.1');
    defer(() => socket.destroy());
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe.each([
  ['h2c (clear text)', false],
  ['TLS', true],
])('SIGTERM with a plain HTTP/2 request left unfinished, over %s', (_name, secure) => {
  test('the CLI exits 0: the client keeping its request body open does not hold it', async () => {
    const tlsFlags = secure ? ['--cert', cert.certFile, '--key', cert.keyFile] : [];
    const cli = await cliServer(['--h2', '--quiet', ...tlsFlags]);
    const session = http2Connect(cli.url.replace(/^ws/, 'http'), { rejectUnauthorized: false });
    defer(() => session.destroy());
    session.on('error', () => undefined);
    const request = session.request({ ':method': 'POST', ':path': '/' }, { endStream: false });
    request.on('error', () => undefined);
    request.write('never finished');
    await new Promise((resolve) => request.once('response', resolve));
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0); // it waited for this client for ever before
  }, 30_000);
});
