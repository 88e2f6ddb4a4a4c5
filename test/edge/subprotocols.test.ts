// Subprotocol selection (--protocol, --no-protocol, RFC 6455 §4.2.2): the server picks the client's first offer it
// serves, matched exactly, or none; checked with raw handshakes, real ws clients and the CLI.
import { once } from 'node:events';
import WebSocket from 'ws';
import { startEchoServer } from '../../src';
import { runCliToEnd } from '../helpers/processes/cli';
import { LogSink } from '../helpers/log-sink';
import { perTest } from '../helpers/per-test';
import { expectEchoes } from '../helpers/wire/raw-client';
import { portOf, rawUpgrade } from '../helpers/wire/raw-http';

const { serve, rawClient, cliServer, defer } = perTest();

/** The protocol a raw handshake offering `offered` is answered with (undefined: no header). */
async function answered(offered: string[] | undefined): Promise<string | undefined> {
  const raw = await rawClient({ headers: { 'Sec-WebSocket-Protocol': offered?.join(', ') } });
  await expectEchoes(raw, 'connected');
  return raw.head.headers['sec-websocket-protocol'];
}

describe('which protocol is answered', () => {
  it.each<[string, string[] | undefined, string[] | undefined, string | undefined]>([
    ['the first listed one the client offers', ['mqtt', 'graphql-ws'], ['stomp', 'graphql-ws', 'mqtt'], 'graphql-ws'],
    ["the client's order, not the list's", ['mqtt', 'graphql-ws'], ['graphql-ws', 'mqtt'], 'graphql-ws'],
    ['a listed one offered alone', ['v2.echo'], ['v2.echo'], 'v2.echo'],
    ['none to a client that offers none', ['mqtt'], undefined, undefined],
    ['none to a client that offers only unlisted ones (it still connects)', ['mqtt'], ['stomp', 'wamp'], undefined],
    ["'*': whatever the client offers first", ['*'], ['stomp', 'wamp'], 'stomp'],
    ["'*' with names: still the client's first", ['mqtt', '*'], ['stomp', 'mqtt'], 'stomp'],
    ['[] (--no-protocol): none, whatever is offered', [], ['stomp'], undefined],
    ["no list (the default): the client's first offer", undefined, ['chat', 'superchat'], 'chat'],
  ])('%s', async (_what, protocols, offered, expected) => {
    await serve({ protocols });
    expect(await answered(offered)).toBe(expected);
  });

  it.each<[string, string[] | undefined, string, string | undefined]>([
    ['a trailing comma', undefined, 'mqtt,', 'mqtt'],
    ['two commas in a row', ['b'], 'a,,b', 'b'],
    ['a leading empty element with spaces', undefined, ' , ,mqtt', 'mqtt'],
  ])('empty list elements are ignored (RFC 9110 §5.6.1): %s', async (_what, protocols, header, expected) => {
    const server = await serve({ protocols });
    const answer = await rawUpgrade(server.port, { headers: { 'Sec-WebSocket-Protocol': header } });
    expect([answer.status, answer.headers['sec-websocket-protocol']]).toEqual([101, expected]);
  });

  it('a header of empty elements only is still refused (400)', async () => {
    const server = await serve();
    expect((await rawUpgrade(server.port, { headers: { 'Sec-WebSocket-Protocol': ' , ' } })).status).toBe(400);
  });

  it('names are matched exactly (case matters, RFC 6455 §4.2.2)', async () => {
    await serve({ protocols: ['MQTT'] });
    expect(await answered(['mqtt'])).toBeUndefined();
  });
});

describe('real ws clients', () => {
  it('a client insisting on graphql-transport-ws connects with --protocol and sees it chosen', async () => {
    const server = await serve({ protocols: ['graphql-transport-ws'] });
    const ws = new WebSocket(server.url, ['graphql-transport-ws']);
    defer(() => ws.terminate());
    await once(ws, 'open');
    expect(ws.protocol).toBe('graphql-transport-ws');
    ws.send('{"type":"connection_init"}');
    const [echo, isBinary] = await once(ws, 'message');
    expect({ echo: String(echo), isBinary }).toEqual({ echo: '{"type":"connection_init"}', isBinary: false });
  });

  it('a ws client offering only unlisted protocols is answered with none, and ws refuses that itself', async () => {
    const server = await serve({ protocols: ['mqtt'] });
    const ws = new WebSocket(server.url, ['stomp']);
    defer(() => ws.terminate());
    const error = await new Promise<Error>((resolve) => ws.once('error', resolve));
    expect(error.message).toBe('Server sent no subprotocol');
  });
});

describe('the log says what was chosen and what was declined', () => {
  it('the connection event has the protocol', async () => {
    const sink = new LogSink();
    await serve({ protocols: ['mqtt'], log: sink.log });
    await answered(['mqtt']);
    const connection = await sink.next('connection');
    expect(connection).toMatchObject({ protocol: 'mqtt' });
    expect(connection).not.toHaveProperty('declined');
  });

  it('unlisted offers are declined by name', async () => {
    const sink = new LogSink();
    await serve({ protocols: ['mqtt', 'wamp'], log: sink.log });
    await answered(['stomp', 'v12.stomp']);
    const connection = await sink.next('connection');
    expect(connection).not.toHaveProperty('protocol');
    expect(connection.declined).toEqual([
      'subprotocols offered (stomp, v12.stomp) declined: none is listed (--protocol mqtt wamp)',
    ]);
  });

  it('a connection with nothing negotiated has neither field (the JSON stays as it was)', async () => {
    const sink = new LogSink();
    await serve({ log: sink.log });
    await answered(undefined);
    expect(Object.keys(await sink.next('connection')).sort()).toEqual([
      'behaviour',
      'event',
      'id',
      'path',
      'remote',
      'time',
    ]);
  });
});

describe('the CLI', () => {
  it('--protocol takes several names, repeated or comma-separated, and the connection line shows the choice', async () => {
    const cli = await cliServer(['--protocol', 'mqtt', 'wamp', '--protocol', 'stomp,graphql-ws']);
    const port = portOf(cli.url);
    for (const [offer, expected] of [
      ['graphql-ws', 'graphql-ws'],
      ['wamp', 'wamp'],
      ['chat', undefined],
    ]) {
      const answer = await rawUpgrade(port, { headers: { 'Sec-WebSocket-Protocol': offer } });
      expect(answer.status).toBe(101);
      expect(answer.headers['sec-websocket-protocol']).toBe(expected);
    }
    await cli.waitFor(/#1 connected from \S+ path \/, protocol "graphql-ws"/);
    await cli.waitFor(
      /#3 connected from \S+ path \/, subprotocols offered \(chat\) declined: none is listed \(--protocol mqtt wamp stomp graphql-ws\)/,
    );
  });

  it("--protocol '*' answers the first offer; --no-protocol answers none", async () => {
    const any = await cliServer(['--protocol', '*']);
    expect(
      (await rawUpgrade(portOf(any.url), { headers: { 'Sec-WebSocket-Protocol': 'b, a' } })).headers[
        'sec-websocket-protocol'
      ],
    ).toBe('b');
    const none = await cliServer(['--no-protocol']);
    expect(
      (await rawUpgrade(portOf(none.url), { headers: { 'Sec-WebSocket-Protocol': 'b, a' } })).headers,
    ).not.toHaveProperty('sec-websocket-protocol');
  });

  it.each(['a b', 'chat/1', '"quoted"', 'x,,y', '', 'semi;colon'])(
    'refuses --protocol %j with exit 2, naming it',
    async (value) => {
      const { code, stderr } = await runCliToEnd(['--port', '0', '--protocol', value]);
      expect(code).toBe(2);
      expect(stderr).toContain(`option '--protocol <name...>' argument '${value}' is invalid`);
      expect(stderr).toMatch(/is not a subprotocol name: use letters, digits/);
    },
  );
});

describe('the API', () => {
  it('refuses protocols that are not an array of names', async () => {
    await expect(startEchoServer({ protocols: 'mqtt' as unknown as string[] })).rejects.toMatchObject({
      exitCode: 2,
      message: 'protocols: must be an array of names, such as ["mqtt"]',
    });
  });

  it.each([[['a b']], [['ok', 'not ok']], [['']]])(
    'refuses protocols %j with a usage error naming the value',
    async (protocols) => {
      await expect(startEchoServer({ protocols })).rejects.toMatchObject({
        name: 'EchoServerError',
        exitCode: 2,
        message: expect.stringMatching(/^protocols: ".*" is not a subprotocol name/),
      });
    },
  );
});
