// Issue 9: an idle connection keeps less (state made when first needed, one listener for all); what is made later
// behaves as before.
import { createLogger } from '../../../src/log/logger';
import { startEchoServerLogging } from '../../../src/server/server';
import { frameHeader, Opcode, ZERO_MASK } from '../../helpers/frames';
import { perTest } from '../../helpers/per-test';
import { sleep, waitUntil } from '../../helpers/probe';
import { expectEcho } from '../../helpers/raw-client';

const { serve, client, rawClient, defer } = perTest();

describe('a client of the test fixture, whose query and closed are made when first read', () => {
  it('query: parsed from the URL, a repeated name as an array, the same object every time', async () => {
    const server = await serve();
    await client(`${server.url}/chat?room=a&room=b&x=1`);
    const connection = await server.nextConnection();
    expect(connection.path).toBe('/chat');
    expect(connection.query).toEqual({ room: ['a', 'b'], x: '1' });
    expect(connection.query).toBe(connection.query);
  });

  it('query: empty without one', async () => {
    const server = await serve();
    await client(`${server.url}/plain`);
    expect((await server.nextConnection()).query).toEqual({});
  });

  it('closed, first read only after the connection closed, resolves with how it closed', async () => {
    const server = await serve();
    const ws = await client(`${server.url}/chat`);
    const connection = await server.nextConnection();
    ws.ws.close(4001, 'bye');
    await waitUntil(() => server.connections() === 0);
    const closed = connection.closed;
    expect(connection.closed).toBe(closed);
    await expect(closed).resolves.toEqual({ code: 4001, reason: 'bye', clean: true, initiator: 'client' });
  });

  it('closed, read while open, resolves once the server ends the connection, with its cause', async () => {
    const server = await serve();
    await client(`${server.url}/chat`);
    const connection = await server.nextConnection();
    const closed = connection.closed;
    connection.close(4002, 'done');
    await expect(closed).resolves.toMatchObject({
      code: 4002,
      reason: 'done',
      initiator: 'server',
      cause: 'closed by the test',
    });
  });
});

describe('request headers of a client', () => {
  it('the API keeps them; a server started as the CLI starts it (which never reads them) keeps none', async () => {
    const api = await serve();
    const cliStyle = await startEchoServerLogging({ port: 0 }, createLogger(false), undefined, false);
    defer(() => cliStyle.close());
    await client(api.url, { headers: { 'x-probe': 'one' } });
    await client(cliStyle.url, { headers: { 'x-probe': 'one' } });
    expect((await api.nextConnection()).headers['x-probe']).toBe('one');
    const bare = await cliStyle.nextConnection();
    expect(bare.headers).toEqual({});
    expect(bare.path).toBe('/');
  });
});

describe('payloads gathered on two connections at once (one write() for every receiver, state on each)', () => {
  it('each connection gets its own payload back whole', async () => {
    await serve();
    const size = 300_000;
    const chunk = 1000;
    const clients = [await rawClient(), await rawClient()];
    const payloads = [Buffer.alloc(size, 0x61), Buffer.alloc(size, 0x62)];
    for (const c of clients) c.socket.setNoDelay(true);
    // Headers first, then the payloads interleaved in small writes: both receivers wait for data at the same time.
    for (const c of clients) await c.send(frameHeader({ opcode: Opcode.binary }, size, ZERO_MASK));
    for (let at = 0; at < size; at += chunk) {
      clients.forEach((c, i) => c.socket.write(payloads[i].subarray(at, at + chunk)));
      if (at % (50 * chunk) === 0) await sleep(2);
    }
    await expectEcho(clients[0], Opcode.binary, payloads[0]);
    await expectEcho(clients[1], Opcode.binary, payloads[1]);
  });
});
