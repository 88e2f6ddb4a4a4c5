// echo: false plus rules is a scripted protocol server: a JSON-RPC exchange (the request's id answered back) and a
// graphql-transport-ws handshake, ping and subscription, each with a real ws client.
import { once } from 'node:events';
import WebSocket from 'ws';
import type { EchoRule } from '../../src';
import { perTest } from '../helpers/per-test';

const { serve, client, defer } = perTest();

/** Opens a ws client offering `protocol`, and collects what it receives as parsed JSON. */
async function graphqlClient(url: string): Promise<{ ws: WebSocket; next: (count: number) => Promise<unknown[]> }> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  defer(() => ws.terminate());
  const seen: unknown[] = [];
  let waiting: (() => void) | undefined;
  ws.on('message', (data) => {
    seen.push(JSON.parse(data.toString()));
    waiting?.();
  });
  await once(ws, 'open');
  const next = (count: number): Promise<unknown[]> =>
    new Promise((resolve) => {
      const check = (): void => void (seen.length >= count && resolve(seen.splice(0, count)));
      waiting = check;
      check();
    });
  return { ws, next };
}

/** The rules of a JSON-RPC 2.0 server: `add` sums its params, `echo` returns them, anything else is an error. */
const JSON_RPC: EchoRule[] = [
  {
    when: { jsonrpc: '2.0', id: '$id', method: 'add', params: ['$a', '$b'] },
    reply: (_message, { id, a, b }) => ({ jsonrpc: '2.0', id, result: (a as number) + (b as number) }),
  },
  {
    when: { jsonrpc: '2.0', id: '$id', method: 'echo', params: '$params' },
    reply: { jsonrpc: '2.0', id: '$id', result: '$params' },
  },
  {
    when: { jsonrpc: '2.0', id: '$id', method: '$method' },
    reply: { jsonrpc: '2.0', id: '$id', error: { code: -32601, message: 'no method $method' } },
  },
];

/** The server side of graphql-transport-ws: ack the init, pong a ping, answer a subscription with one result. */
const GRAPHQL_WS: EchoRule[] = [
  { when: { type: 'connection_init' }, reply: { type: 'connection_ack' } },
  { when: { type: 'ping' }, reply: { type: 'pong' } },
  {
    when: { type: 'subscribe', id: '$id', payload: { query: '$query' } },
    send: [
      { type: 'next', id: '$id', payload: { data: { greeting: 'hello' } } },
      { type: 'complete', id: '$id' },
    ],
  },
];

describe('a scripted JSON-RPC server (echo: false)', () => {
  it('answers each request with its own id, and echoes nothing', async () => {
    const server = await serve({ echo: false, rules: JSON_RPC });
    const c = await client(server.url);
    const requests = [
      { jsonrpc: '2.0', id: 1, method: 'add', params: [2, 3] },
      { jsonrpc: '2.0', id: 'b', method: 'echo', params: { x: [1] } },
      { jsonrpc: '2.0', id: 3, method: 'divide', params: [1, 0] },
      { jsonrpc: '2.0', method: 'notify' }, // a notification: no id, no answer
    ];
    for (const request of requests) c.ws.send(JSON.stringify(request));
    c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'add', params: [40, 2] }));
    const answers = (await c.nextMessages(4)).map((m) => JSON.parse(m.data.toString()));
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: 1, result: 5 },
      { jsonrpc: '2.0', id: 'b', result: { x: [1] } },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'no method divide' } },
      { jsonrpc: '2.0', id: 4, result: 42 },
    ]);
  });
});

describe('a scripted graphql-transport-ws server', () => {
  it('acks the init, pongs a ping, and answers a subscription with next and complete under its id', async () => {
    const server = await serve({ echo: false, protocols: ['graphql-transport-ws'], rules: GRAPHQL_WS });
    const { ws, next } = await graphqlClient(server.url);
    expect(ws.protocol).toBe('graphql-transport-ws');
    const send = (message: object): void => ws.send(JSON.stringify(message));
    send({ type: 'connection_init', payload: {} });
    expect(await next(1)).toEqual([{ type: 'connection_ack' }]);
    send({ type: 'ping' });
    send({ type: 'subscribe', id: 'sub-1', payload: { query: 'subscription { greeting }' } });
    expect(await next(3)).toEqual([
      { type: 'pong' },
      { type: 'next', id: 'sub-1', payload: { data: { greeting: 'hello' } } },
      { type: 'complete', id: 'sub-1' },
    ]);
  });
});
