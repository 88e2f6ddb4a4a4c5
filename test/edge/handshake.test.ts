// The opening handshake and plain HTTP answers, over raw TCP: a valid upgrade gets 101 with the right accept key, and a
// wrong version, key, method, path, origin or one upgrade too many gets the HTTP status that says why; garbage after
// the 101 closes only that client.
import { Opcode, closePayload } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { sleep, waitUntil } from '../helpers/probe';
import { expectEchoes, type RawClient } from '../helpers/wire/raw-client';
import {
  httpRequestText,
  randomKey,
  rawHttp,
  rawUpgrade,
  upgradeHeaders,
  type UpgradeRequest,
} from '../helpers/wire/raw-http';

const { serve, running, rawClient } = perTest();

/** Sends an upgrade request to the running server and returns the HTTP answer. */
function upgrade(request: UpgradeRequest = {}): ReturnType<typeof rawUpgrade> {
  return rawUpgrade(running().port, request);
}

/** Sends a plain (non-upgrade) HTTP request to the running server. */
function plainRequest(method: string, path: string): ReturnType<typeof rawHttp> {
  const port = running().port;
  return rawHttp(port, httpRequestText(method, path, { Host: `127.0.0.1:${port}`, 'Content-Length': '0' }));
}

/** Does the close handshake from the client side and waits for the server to end TCP. */
async function closeCleanly(client: RawClient): Promise<void> {
  await client.sendFrame({ opcode: Opcode.close, payload: closePayload(1000) });
  expect(await client.nextCloseCode()).toBe(1000);
  await client.tcpEnd();
}

describe('protocol version and key', () => {
  it.each(['8', '12', '14'])(
    'answers Sec-WebSocket-Version %s with 426 and Sec-WebSocket-Version: 13',
    async (version) => {
      await serve();
      const answer = await upgrade({ headers: { 'Sec-WebSocket-Version': version } });
      expect(answer.status).toBe(426);
      expect(answer.headers['sec-websocket-version']).toBe('13');
    },
  );

  it('answers a request with no Sec-WebSocket-Key with 400', async () => {
    await serve();
    expect((await upgrade({ headers: { 'Sec-WebSocket-Key': undefined } })).status).toBe(400);
  });

  it.each([
    ['no Sec-WebSocket-Version', { 'Sec-WebSocket-Version': undefined }, 400],
    ['a key that is not 16 bytes of base64', { 'Sec-WebSocket-Key': 'dG9vIHNob3J0' }, 400],
    ['Upgrade: h2c', { Upgrade: 'h2c' }, 400],
    ['no Host header', { Host: undefined }, 400],
  ])('answers an upgrade with %s with %i, and logs and counts it', async (_name, headers, status) => {
    await serve();
    const answer = await upgrade({ headers });
    expect(answer.status).toBe(status);
    expect(running().stats().upgradesRejected).toBe(1);
    expect(running().stats().connectionsTotal).toBe(0);
  });

  it('answers an HTTP/1.0 upgrade with 400: RFC 6455 needs HTTP/1.1', async () => {
    const { port } = await serve();
    const request = httpRequestText('GET', '/', upgradeHeaders(port, randomKey())).replace('HTTP/1.1', 'HTTP/1.0');
    expect((await rawHttp(port, request)).status).toBe(400);
    expect(running().stats().connectionsTotal).toBe(0);
  });

  it('answers Upgrade: websocket without Connection: Upgrade with 400, not a 200 that looks like success', async () => {
    await serve();
    const answer = await upgrade({ headers: { Connection: undefined } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/Connection: Upgrade/);
  });

  it('answers an upgrade that is not a GET with 405', async () => {
    await serve();
    expect((await upgrade({ method: 'POST' })).status).toBe(405);
  });

  it('accepts a valid version-13 request with 101 and the right Sec-WebSocket-Accept', async () => {
    await serve();
    const client = await rawClient(); // openRawClient checks the accept value
    expect(client.head.status).toBe(101);
    await expectEchoes(client, 'hello');
  });
});

describe('reject=<status>', () => {
  it.each([
    [499, 'Client Error'],
    [599, 'Server Error'],
    [418, "I'm a Teapot"],
  ])('?reject=%i answers a reason phrase: %s', async (status, phrase) => {
    await serve();
    const answer = await upgrade({ path: `/?reject=${status}` });
    expect([answer.status, answer.statusText]).toEqual([status, phrase]);
  });
});

describe('accept-delay', () => {
  it('an upgrade still held when the server closes is answered 503, not cut off', async () => {
    const server = await serve();
    const answer = upgrade({ path: '/?accept-delay=30000' });
    await sleep(300); // the request is in and held (nothing public counts held upgrades)
    const closed = server.close();
    expect(await answer).toMatchObject({ status: 503, body: 'server is shutting down\n' });
    await closed;
  });
});

describe('subprotocols', () => {
  it.each([[['chat']], [['chat', 'superchat']], [['v2.echo', 'v1.echo', 'json']]])(
    'answers the offer %j with one of the offered protocols',
    async (offered) => {
      await serve();
      const client = await rawClient({ headers: { 'Sec-WebSocket-Protocol': offered.join(', ') } });
      expect(offered).toContain(client.head.headers['sec-websocket-protocol']);
    },
  );

  it('sends no Sec-WebSocket-Protocol header when none is offered', async () => {
    await serve();
    const client = await rawClient();
    expect(client.head.headers).not.toHaveProperty('sec-websocket-protocol');
  });
});

describe("path: '/echo'", () => {
  it.each(['/other', '/', '/echo/more', '/ECHO'])('refuses an upgrade to %s with 404', async (path) => {
    await serve({ path: '/echo' });
    expect((await upgrade({ path })).status).toBe(404);
  });

  it.each(['/echo', '/echo?x=1'])('accepts an upgrade to %s', async (path) => {
    await serve({ path: '/echo' });
    await expectEchoes(await rawClient({ path }), `via ${path}`);
  });
});

describe("origins: ['http://a.test']", () => {
  it('accepts that Origin', async () => {
    await serve({ origins: ['http://a.test'] });
    await expectEchoes(await rawClient({ headers: { Origin: 'http://a.test' } }), 'allowed');
  });

  it('matches origins as browsers send them: case and a trailing slash do not matter', async () => {
    await serve({ origins: ['HTTP://A.test/'] });
    await expectEchoes(await rawClient({ headers: { Origin: 'http://a.test' } }), 'allowed');
  });

  it.each([
    { who: 'another Origin', origin: 'http://b.test' },
    { who: 'a look-alike Origin', origin: 'http://a.test.evil' },
    { who: 'no Origin', origin: undefined },
  ])('refuses $who with 403', async ({ origin }) => {
    await serve({ origins: ['http://a.test'] });
    expect((await upgrade({ headers: { Origin: origin } })).status).toBe(403);
  });
});

describe('maxConnections: 2', () => {
  it('refuses a third concurrent upgrade with 503, keeps the first two, and accepts again after one closes', async () => {
    const echoServer = await serve({ maxConnections: 2 });
    const first = await rawClient();
    const second = await rawClient();
    expect((await upgrade()).status).toBe(503);
    await expectEchoes(first, 'first');
    await expectEchoes(second, 'second');

    await closeCleanly(first);
    await waitUntil(() => echoServer.connections() < 2);
    await expectEchoes(await rawClient(), 'third, now that there is room');
    await expectEchoes(second, 'second, still');
  });
});

describe('plain HTTP', () => {
  it.each([
    { mode: 'graceful' as const, clientsOpen: 0 },
    { mode: 'graceful' as const, clientsOpen: 1 },
    { mode: 'forever' as const, clientsOpen: 2 },
  ])(
    'GET /healthz is 200 JSON with mode $mode and the live connection count ($clientsOpen)',
    async ({ mode, clientsOpen }) => {
      await serve({ mode });
      for (let i = 0; i < clientsOpen; i++) await rawClient();
      const answer = await plainRequest('GET', '/healthz');
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body)).toEqual({ status: 'ok', mode, connections: clientsOpen, logLinesDropped: 0 });
    },
  );

  it.each(['/', '/anything/else'])('GET %s is 200 text that names the ws:// URL', async (path) => {
    const echoServer = await serve();
    const answer = await plainRequest('GET', path);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    expect(echoServer.url).toMatch(/^ws:\/\//);
    expect(answer.body).toContain(echoServer.url);
  });

  it.each(['POST', 'PUT', 'DELETE'])('%s is 405', async (method) => {
    await serve();
    expect((await plainRequest(method, '/')).status).toBe(405);
  });
});

describe('garbage after the handshake', () => {
  const garbage = [
    { what: '0xFF bytes', bytes: Buffer.alloc(8, 0xff) },
    { what: 'plain text', bytes: Buffer.from('hello, is this HTTP?\r\n\r\n') },
  ];

  it.each(garbage)('closes that client with 1002 when $what follow the 101, and no other client', async ({ bytes }) => {
    await serve();
    const bystander = await rawClient();
    const client = await rawClient();
    await client.send(bytes);
    expect(await client.nextCloseCode()).toBe(1002);
    expect((await client.tcpEnd()).closeFrameReceived).toBe(true);
    await expectEchoes(bystander, 'unbothered');
  });

  it.each(garbage)(
    'closes the client with 1002 when $what arrive in the same write as the request',
    async ({ bytes }) => {
      await serve();
      const client = await rawClient({ trailing: bytes });
      expect(await client.nextCloseCode()).toBe(1002);
    },
  );
});
