// The test-fixture API of the server: events (the JSON log's fields), nextConnection(), clients(), broadcast(), options.
import { once } from 'node:events';
import WebSocket from 'ws';
import { EchoServerError, startEchoServer, type CloseEvent, type ConnectionEvent, type EchoClient, type MessageEvent } from '../src';
import { buildProgram, optionsFrom } from '../src/cli/cli';
import { upgradeStatus } from './helpers/clients';
import { jsonLogInMemory } from './helpers/json-log';
import { perTest } from './helpers/per-test';
import { pollUntil, waitUntil } from './helpers/probe';

const { serve, client, defer } = perTest();

describe('events', () => {
  it('connection, message and close carry the JSON log events, field for field, and the client', async () => {
    const log = jsonLogInMemory();
    const server = await serve({ log: log.options });
    const seen: Array<[string, Record<string, unknown>, EchoClient]> = [];
    server.on('connection', (event: ConnectionEvent, c) => seen.push(['connection', { ...event }, c]));
    server.on('message', (event: MessageEvent, message, c) => seen.push(['message', { ...event, data: message.data }, c]));
    server.on('close', (event: CloseEvent, c) => seen.push(['close', { ...event }, c]));
    const ws = await client(`${server.url}/room?user=ann`);
    ws.ws.send('hello there');
    ws.ws.send(Buffer.from([1, 2, 3]));
    await ws.nextMessages(2);
    ws.ws.close(1000, 'done');
    await ws.closed;
    await waitUntil(() => seen.length === 4);
    const logged = await pollUntil(log.events, (events) => events.length === 5);
    expect(logged.map((e) => e.event)).toEqual(['listening', 'connection', 'message', 'message', 'close']);
    expect(seen.map(([name, event]) => { const { data: _data, ...fields } = event; return fields; })).toEqual(logged.slice(1));
    expect(seen[1][1]).toMatchObject({ type: 'text', size: 11, preview: 'hello there', data: 'hello there' });
    expect(seen[2][1]).toMatchObject({ type: 'binary', size: 3, preview: '01 02 03', data: Buffer.from([1, 2, 3]) });
    expect(seen[3][1]).toMatchObject({ code: 1000, reason: 'done', clean: true, initiator: 'client' });
    const [first] = seen.map(([, , c]) => c);
    expect(seen.every(([, , c]) => c === first)).toBe(true);
    expect(first).toMatchObject({ id: 1, path: '/room', query: { user: 'ann' } });
  });

  it('once() hears one event and off() stops a listener', async () => {
    const server = await serve();
    const onces: number[] = [];
    const ons: number[] = [];
    const listener = (event: ConnectionEvent): void => void ons.push(event.id);
    server.once('connection', (event) => onces.push(event.id)).on('connection', listener);
    await client(server.url);
    await server.nextConnection();
    server.off('connection', listener);
    await client(server.url);
    await server.nextConnection();
    expect(onces).toEqual([1]);
    expect(ons).toEqual([1]);
  });
});

describe('nextConnection()', () => {
  it('hands out connections in the order they opened, including ones that opened before the call', async () => {
    const server = await serve();
    await client(`${server.url}/a?x=1&x=2`, { headers: { 'x-test': 'yes' } });
    await client(`${server.url}/b`);
    const first = await server.nextConnection();
    const second = await server.nextConnection();
    expect(first).toMatchObject({ id: 1, path: '/a', query: { x: ['1', '2'] }, protocol: '' });
    expect(first.headers['x-test']).toBe('yes');
    expect(first.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(second).toMatchObject({ id: 2, path: '/b', query: {}, protocol: '' });
  });

  it('waits for a connection that opens after the call; the agreed subprotocol is `protocol`', async () => {
    const server = await serve();
    const next = server.nextConnection({ timeout: 10_000 });
    const ws = new WebSocket(server.url, ['chat.v2', 'chat.v1']);
    defer(() => ws.terminate());
    const c = await next;
    expect(c.protocol).toBe('chat.v2');
    await once(ws, 'open');
    expect(ws.protocol).toBe('chat.v2');
  });

  it('a timeout says nothing arrived, and the last refused upgrade with its reason', async () => {
    const server = await serve({ path: '/chat' });
    await expect(server.nextConnection({ timeout: 50 })).rejects.toThrow(
      `nextConnection() timed out after 50 ms: no connection arrived at ${server.url}; no upgrade was refused`,
    );
    expect(await upgradeStatus(server.url.replace('/chat', '/other'))).toBe(404);
    const error = (await server.nextConnection({ timeout: 50 }).catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/no connection arrived .*; 1 upgrade refused, the last \/other from 127\.0\.0\.1:\d+: 404 no WebSocket endpoint here; connect to \/chat$/);
    expect(error.stack).toContain('fixture-api.test.ts'); // points at the test line, not a timer
  });

  it('a timeout counts connections already taken', async () => {
    const server = await serve();
    await client(server.url);
    await server.nextConnection();
    await expect(server.nextConnection({ timeout: 50 })).rejects.toThrow(/1 connection arrived, 1 taken by earlier nextConnection\(\) calls/);
  });

  it('rejects at once when the server closes, and a bad timeout names itself', async () => {
    const server = await serve();
    const waiting = server.nextConnection({ timeout: Infinity });
    const closing = server.close();
    await expect(waiting).rejects.toThrow(/the server was closed while waiting; no connection arrived/);
    await closing;
    await expect(server.nextConnection({ timeout: -1 })).rejects.toThrow(/timeout must be a number of milliseconds above 0 \(or Infinity\), got -1/);
  });
});

describe('clients() and broadcast()', () => {
  it('clients() lists the open connections, oldest first; a closed one leaves the list', async () => {
    const server = await serve();
    const a = await client(server.url);
    await client(server.url);
    await waitUntil(() => server.clients().length === 2);
    expect(server.clients().map((c) => c.id)).toEqual([1, 2]);
    const [first] = server.clients();
    expect(first.isOpen).toBe(true);
    a.ws.close(1000);
    await first.closed;
    expect(first.isOpen).toBe(false);
    expect(server.clients().map((c) => c.id)).toEqual([2]);
  });

  it('broadcast() sends text as text and bytes as binary to every open client and says to how many', async () => {
    const server = await serve({ echo: false });
    const clients = [await client(server.url), await client(server.url), await client(server.url)];
    await waitUntil(() => server.clients().length === 3);
    clients[2].ws.close(1000);
    await clients[2].closed;
    expect(server.broadcast('to all')).toBe(2);
    expect(server.broadcast(new Uint8Array([7, 8]))).toBe(2);
    for (const c of clients.slice(0, 2)) {
      expect((await c.nextMessages(2)).map((m) => [m.data.toString('hex'), m.isBinary])).toEqual([
        [Buffer.from('to all').toString('hex'), false],
        ['0708', true],
      ]);
    }
    expect(clients[2].received).toEqual([]);
    expect(() => server.broadcast(42 as never)).toThrow('broadcast() takes a string (sent as text) or a Buffer, Uint8Array or ArrayBuffer (sent as binary), got number');
  });
});

describe('options', () => {
  it('echo and record must be booleans', async () => {
    await expect(startEchoServer({ echo: 'no' as never })).rejects.toThrow(new EchoServerError('echo must be true or false, got "no"', 2));
    await expect(startEchoServer({ record: 1 as never })).rejects.toThrow('record must be true or false, got 1');
  });

  it('record: false records nothing and says so, and still echoes and tracks clients', async () => {
    const server = await serve({ record: false });
    const heard: string[] = [];
    server.on('message', () => heard.push('message'));
    const ws = await client(server.url);
    ws.ws.send('still echoed');
    expect((await ws.nextMessages(1))[0].data.toString()).toBe('still echoed');
    const [c] = server.clients();
    expect(c.received).toEqual([]);
    expect(heard).toEqual([]);
    await expect(c.nextMessage()).rejects.toThrow('nextMessage(): this server records nothing (started with record: false)');
    await expect(server.nextConnection()).rejects.toThrow(/this server records nothing/);
  });

  it('the CLI turns recording off', () => {
    const program = buildProgram({ stdout: process.stdout, stderr: process.stderr });
    program.parse(['node', 'ws-echo', '--port', '0']);
    expect(optionsFrom(program.opts()).record).toBe(false);
  });
});
