// drop-after and reset-after keep their promise: the echoes before the end arrive whole, then the FIN or the RST, at
// every size, with and without permessage-deflate, over ws:// and wss://, and with the echo-changing faults on.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { EchoServerOptions } from '../../../src';
import { RESET_WAIT_MS } from '../../../src/connection/faults/reset';
import { buildFrame, Opcode } from '../../helpers/wire/frames';
import { startJsonCli } from '../../helpers/processes/json-cli';
import { jsonLogInMemory } from '../../helpers/log-sink';
import { perTest } from '../../helpers/per-test';
import { pollUntil, within } from '../../helpers/probe';
import { openUpgraded } from '../../helpers/wire/raw-http';
import { makeTestCert, type TestCert } from '../../helpers/tls-cert';

const { serve, defer } = perTest();
const KiB = 1024;
const SIZES: Array<[string, number]> = [
  ['100 B', 100],
  ['16 KiB', 16 * KiB],
  ['64 KiB', 64 * KiB],
  ['1 MiB', 1024 * KiB],
];

let cert: TestCert;
beforeAll(() => {
  cert = makeTestCert();
});
afterAll(() => cert?.remove());

/** How the connection went, as a real ws client saw it. */
interface Seen {
  /** Every message, in order. */
  echoes: Buffer[];
  /** How TCP ended: the server's FIN, or an RST (ECONNRESET). */
  end: 'fin' | 'reset' | 'other';
  /** The close code the client reports (1006: no close frame). */
  code: number;
}

/** One way of reaching the server: the options it starts with, and how a client connects. */
interface Transport {
  server: EchoServerOptions;
  client: () => WebSocket.ClientOptions;
  tls: boolean;
}

const TRANSPORTS: Record<string, Transport> = {
  'ws://': { server: {}, client: () => ({ perMessageDeflate: false }), tls: false },
  'ws:// with deflate': { server: { deflate: true }, client: () => ({ perMessageDeflate: true }), tls: false },
  'wss://': { server: {}, client: () => ({ perMessageDeflate: false, ca: cert.cert }), tls: true },
  'wss:// with deflate': {
    server: { deflate: true },
    client: () => ({ perMessageDeflate: true, ca: cert.cert }),
    tls: true,
  },
};

/** Starts a server for `transport` (with `tls` when it asks for it); resolves with its URL. */
async function serveOver(transport: Transport): Promise<string> {
  const tls = transport.tls ? { tls: { cert: cert.cert, key: cert.key } } : {};
  return (await serve({ ...transport.server, ...tls })).url;
}

/**
 * How the server ended TCP. An RST can show as an error (ECONNRESET) or, when the kernel already reported it elsewhere,
 * as an end of stream: a write after the end then fails on a reset socket and succeeds after a FIN. Listeners added at
 * 'upgrade' run before ws's own, so the probe byte is written before ws ends our side.
 */
function howItEnds(socket: Socket): Promise<Seen['end']> {
  return new Promise((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNRESET' ? 'reset' : 'other'));
    socket.once('end', () => socket.write(Buffer.alloc(1), (error) => resolve(error ? 'reset' : 'fin')));
    socket.once('close', () => setTimeout(resolve, 1000, 'other'));
  });
}

/**
 * Connects to `url`, sends `messages` (each as one binary message), and collects what comes back until the connection
 * is gone, noting whether TCP ended with a FIN or an RST.
 */
async function sendAndWatch(url: string, options: WebSocket.ClientOptions, messages: Buffer[]): Promise<Seen> {
  const ws = new WebSocket(url, options);
  defer(() => ws.terminate());
  const echoes: Buffer[] = [];
  let ended: Promise<Seen['end']> = Promise.resolve('other');
  ws.on('upgrade', (response: IncomingMessage) => {
    ended = howItEnds(response.socket as Socket);
  });
  ws.on('error', () => undefined); // an RST shows as 'close' 1006
  ws.on('message', (data: Buffer) => echoes.push(data));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  for (const message of messages) ws.send(message, { binary: true });
  const code = await within(closed, 20_000, 'the connection did not end');
  return { echoes, end: await within(ended, 5000, 'no TCP end seen'), code };
}

/** Asserts `seen.echoes` are exactly `expected`, byte for byte (no diff of megabytes on failure). */
function expectEchoes(seen: Seen, expected: Buffer[]): void {
  expect(seen.echoes.map((echo) => echo.length)).toEqual(expected.map((message) => message.length));
  seen.echoes.forEach((echo, i) => expect(echo.equals(expected[i])).toBe(true));
}

describe.each(Object.entries(TRANSPORTS))('over %s', (_name, transport) => {
  it.each(SIZES)('drop-after=1 at %s: the echo arrives whole, then the FIN (no close frame)', async (_size, bytes) => {
    const url = await serveOver(transport);
    const message = randomBytes(bytes);
    const seen = await sendAndWatch(`${url}/?drop-after=1`, transport.client(), [message, randomBytes(10)]);
    expectEchoes(seen, [message]);
    expect(seen.code).toBe(1006);
    expect(seen.end).toBe('fin');
  });

  it.each(SIZES)('reset-after=1 at %s: the echo arrives whole, then the end of TCP', async (_size, bytes) => {
    const url = await serveOver(transport);
    const message = randomBytes(bytes);
    const seen = await sendAndWatch(`${url}/?reset-after=1`, transport.client(), [message, randomBytes(10)]);
    expectEchoes(seen, [message]);
    expect(seen.code).toBe(1006);
    // Node cannot reset a TLS socket: it is destroyed, which the client sees as a FIN (the log says so).
    expect(seen.end).toBe(transport.tls ? 'fin' : 'reset');
  });
});

describe('with the faults that change echoes (one writer: every wait sees every echo)', () => {
  const cases: Array<[string, string, number]> = [
    ['delay=50&drop-after=2', 'fin', 16 * KiB],
    ['throttle=4000000&drop-after=2', 'fin', 64 * KiB],
    ['fragment=1000&drop-after=2', 'fin', 64 * KiB],
    ['delay=50&reset-after=2', 'reset', 64 * KiB],
    ['throttle=4000000&reset-after=2', 'reset', 64 * KiB],
    ['fragment=1000&reset-after=2', 'reset', 64 * KiB],
  ];
  it.each(cases)('?%s with deflate: both echoes arrive whole, then the %s', async (query, end, bytes) => {
    const url = await serveOver(TRANSPORTS['ws:// with deflate']);
    const messages = [randomBytes(bytes), randomBytes(bytes), randomBytes(10)];
    const seen = await sendAndWatch(`${url}/?${query}`, { perMessageDeflate: true }, messages);
    expectEchoes(seen, messages.slice(0, 2));
    expect(seen.end).toBe(end);
  });

  it.each(cases)('?%s without deflate: both echoes arrive whole, then the %s', async (query, end, bytes) => {
    const url = await serveOver(TRANSPORTS['ws://']);
    const messages = [randomBytes(bytes), randomBytes(bytes), randomBytes(10)];
    const seen = await sendAndWatch(`${url}/?${query}`, { perMessageDeflate: false }, messages);
    expectEchoes(seen, messages.slice(0, 2));
    expect(seen.end).toBe(end);
  });
});

describe("the bound of the reset's promise", () => {
  it(`a client that never reads its 16 MiB echo gets the RST ${RESET_WAIT_MS} ms after it was sent, not never`, async () => {
    const { options: log, events } = jsonLogInMemory();
    const server = await serve({ log });
    // Paused and never read: the echo fills its receive window and our send queue, and stays unacknowledged.
    const { socket } = await openUpgraded(Number(new URL(server.url).port), { path: '/?reset-after=1' });
    defer(() => socket.destroy());
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) =>
      socket.write(buildFrame({ opcode: Opcode.binary, payload: randomBytes(16 * 1024 * KiB) }), () => resolve()),
    );
    const sentAt = performance.now();
    const faults = (): unknown[] => events().filter((e) => e.event === 'fault');
    await pollUntil(faults, (f) => f.length > 0, 1000, 10);
    const waited = performance.now() - sentAt;
    expect(faults()).toEqual([expect.objectContaining({ fault: 'reset-after', detail: expect.stringMatching(/RST/) })]);
    expect(waited).toBeGreaterThan(RESET_WAIT_MS - 300); // the echo took a little while to write after the message
    expect(waited).toBeLessThan(RESET_WAIT_MS + 2000);
  });
});

describe('a greeting arrives before the end that follows it (*-after=0), with and without deflate', () => {
  const cases: Array<[string, string, number]> = [
    ['drop-after=0', 'ws://', 1006],
    ['drop-after=0', 'ws:// with deflate', 1006],
    ['reset-after=0', 'ws:// with deflate', 1006],
    ['mode=forever&close-after=0', 'ws:// with deflate', 1000],
  ];
  it.each(cases)('?greeting=...&%s over %s', async (query, transport, code) => {
    // The greeting is no echo: with compression the FIN went out while zlib still had it (and the close frame behind
    // it), so the client got neither.
    const url = await serveOver(TRANSPORTS[transport]);
    const greeting = 'hello '.repeat(400);
    const seen = await sendAndWatch(`${url}/?greeting=${greeting}&${query}`, TRANSPORTS[transport].client(), []);
    expectEchoes(seen, [Buffer.from(greeting)]);
    expect(seen.code).toBe(code);
  });
});

describe("the bound of the reset's promise, whatever the writer", () => {
  it.each([
    ['with permessage-deflate', '/?reset-after=1', { 'Sec-WebSocket-Extensions': 'permessage-deflate' }],
    ['with delay (the fault queue)', '/?reset-after=1&delay=10', {}],
  ])('%s: a client that never reads its 16 MiB echo still gets the RST', async (_name, path, headers) => {
    // The writer says "written" only once the socket has taken the echo, which a client that never reads holds off:
    // the reset waited for it for ever, and the connection stayed open.
    const { options: log, events } = jsonLogInMemory();
    const server = await serve({ log, deflate: true });
    const { socket } = await openUpgraded(Number(new URL(server.url).port), { path, headers });
    defer(() => socket.destroy());
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) =>
      socket.write(buildFrame({ opcode: Opcode.binary, payload: randomBytes(16 * 1024 * KiB) }), () => resolve()),
    );
    const faults = (): unknown[] => events().filter((e) => e.event === 'fault');
    await pollUntil(faults, (f) => f.length > 0, (RESET_WAIT_MS + 3000) / 20, 20);
    expect(faults()).toEqual([expect.objectContaining({ fault: 'reset-after', detail: expect.stringMatching(/RST/) })]);
  });
});

describe('many resets at once (one poller of the socket tables serves them all)', () => {
  it('20 clients at a time with reset-after=1 and a 256 KiB echo each, 3 times: every echo arrives whole', async () => {
    // A reset that joined the poller while it was reading the tables was judged by that read, taken before its echo
    // reached the kernel (send queue 0): it was reset at once, and the kernel discarded the unsent echo. The server
    // runs in its own process, as users run it, so its reads and the clients' do not take turns.
    const { url } = await startJsonCli([], defer);
    for (let round = 0; round < 3; round++) {
      const messages = Array.from({ length: 20 }, () => randomBytes(256 * KiB));
      const seen = await Promise.all(
        messages.map((message) => sendAndWatch(`${url}/?reset-after=1`, { perMessageDeflate: false }, [message])),
      );
      expect(seen.map((s) => s.echoes.length)).toEqual(messages.map(() => 1));
      seen.forEach((s, i) => expectEchoes(s, [messages[i]]));
    }
  });
});
