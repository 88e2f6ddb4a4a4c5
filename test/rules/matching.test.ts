// Reply rules on a real connection: each kind of `when` and of answer, captures into answers, the first match wins,
// a matched message is not echoed unless its rule says so, `times`, and the rule's close or drop.
import { EchoServerError, type EchoRule, type EchoServerOptions } from '../../src';
import { perTest } from '../helpers/per-test';
import type { Received, TestClient } from '../helpers/clients';

const { serve, client } = perTest();

/** A client of a server with `rules` (and `options`). */
async function ruled(rules: EchoRule[], options: EchoServerOptions = {}): Promise<TestClient> {
  const server = await serve({ ...options, rules });
  return client(server.url);
}

/** Sends each message, then one the rules do not match, and returns what came back before that one's echo. */
async function exchange(c: TestClient, ...messages: Array<string | Buffer>): Promise<string[]> {
  for (const message of messages) c.ws.send(message);
  c.ws.send('end of exchange');
  const seen: Received[] = [];
  for (;;) {
    const [next] = (await c.nextMessages(seen.length + 1)).slice(seen.length);
    if (next.data.toString() === 'end of exchange') break;
    seen.push(next);
  }
  return seen.map(({ data, isBinary }) => (isBinary ? `binary ${data.toString('hex')}` : data.toString()));
}

describe('when', () => {
  it('a string matches exactly that text, and nothing longer, shorter or binary', async () => {
    const c = await ruled([{ when: 'ping', reply: 'pong' }]);
    expect(await exchange(c, 'ping', 'ping ', 'PING', Buffer.from('ping'))).toEqual([
      'pong',
      'ping ',
      'PING',
      'binary 70696e67',
    ]);
  });

  it('a RegExp matches text, and its numbered and named groups are captures', async () => {
    const c = await ruled([{ when: /^add (\d+) (?<to>\w+)$/, reply: '$0: added $1 to ${to}' }]);
    expect(await exchange(c, 'add 3 cart', 'add x cart')).toEqual(['add 3 cart: added 3 to cart', 'add x cart']);
  });

  it('a RegExp with the g flag matches every message afresh', async () => {
    const c = await ruled([{ when: /ping/g, reply: 'pong' }]);
    expect(await exchange(c, 'ping', 'ping', 'ping')).toEqual(['pong', 'pong', 'pong']);
  });

  it('a JSON pattern matches a subset of text parsed as JSON, with $name and RegExp leaves capturing', async () => {
    const when = { type: 'subscribe', id: '$id', payload: { query: /^(?<op>query|subscription)\b/ } };
    const c = await ruled([{ when, reply: { type: 'next', id: '$id', payload: 'op ${op} for $id' } }]);
    const replies = await exchange(
      c,
      JSON.stringify({ type: 'subscribe', id: 42, payload: { query: 'subscription { a }', more: true } }),
      JSON.stringify({ type: 'subscribe', payload: { query: 'query { a }' } }), // no id: no match
      JSON.stringify({ type: 'subscribe', id: 1, payload: { query: 'mutation { a }' } }),
      '{"type": "subscribe", not json',
    );
    expect(replies.map((text) => (text.startsWith('{"type":"next"') ? JSON.parse(text) : text))).toEqual([
      { type: 'next', id: 42, payload: 'op subscription for 42' },
      JSON.stringify({ type: 'subscribe', payload: { query: 'query { a }' } }),
      JSON.stringify({ type: 'subscribe', id: 1, payload: { query: 'mutation { a }' } }),
      '{"type": "subscribe", not json',
    ]);
  });

  it('a JSON array pattern matches element by element, same length; $$ is a literal $', async () => {
    const c = await ruled([{ when: ['$$x', '$n'], reply: 'n=$n' }]);
    expect(await exchange(c, '["$x", 5]', '["$x", 5, 6]', '["y", 5]')).toEqual(['n=5', '["$x", 5, 6]', '["y", 5]']);
  });

  it('a predicate sees text as a string and binary as a Buffer, and may return captures', async () => {
    const c = await ruled([
      { when: ({ data, isBinary }) => isBinary && (data as Buffer)[0] === 0xff, reply: 'a binary 0xff first' },
      {
        when: ({ data }) => typeof data === 'string' && data.startsWith('long') && { length: data.length },
        reply: 'long: $length',
      },
    ]);
    expect(await exchange(c, Buffer.from([0xff, 1]), Buffer.from([1]), 'long one', 'short')).toEqual([
      'a binary 0xff first',
      'binary 01',
      'long: 8',
      'short',
    ]);
  });
});

describe('answers', () => {
  it('text, binary, JSON, a function of the message, and several in order with send', async () => {
    const c = await ruled([
      { when: 'text', reply: 'some text' },
      { when: 'binary', reply: Buffer.from([1, 2, 3]) },
      { when: 'bytes', reply: new Uint8Array([9]) },
      { when: 'json', reply: { ok: true, list: [1, 'two'] } },
      { when: /^upper (.*)$/, reply: (message, captures) => `${captures[1]}`.toUpperCase() + ` of ${message.data}` },
      { when: 'nothing', reply: () => undefined },
      { when: 'several', send: ['one', Buffer.from([2]), { three: 3 }] },
    ]);
    expect(await exchange(c, 'text', 'binary', 'bytes', 'json', 'upper abc', 'nothing', 'several')).toEqual([
      'some text',
      'binary 010203',
      'binary 09',
      '{"ok":true,"list":[1,"two"]}',
      'ABC of upper abc',
      'one',
      'binary 02',
      '{"three":3}',
    ]);
  });

  it('a whole "$name" in a JSON answer keeps the captured value as it was (a number stays a number)', async () => {
    const c = await ruled([
      { when: { id: '$id', tags: '$tags' }, reply: { id: '$id', tags: '$tags', text: 'id $id' } },
    ]);
    const [reply] = await exchange(c, '{"id": 7, "tags": ["a", {"b": null}]}');
    expect(JSON.parse(reply)).toEqual({ id: 7, tags: ['a', { b: null }], text: 'id 7' });
  });

  it('close sends a close frame with its code and reason after the answers, whatever the mode', async () => {
    const c = await ruled([{ when: 'bye', reply: 'see you', close: [4000, 'asked to'] }], { mode: 'forever' });
    c.ws.send('bye');
    expect(await c.closed).toEqual({ code: 4000, reason: 'asked to' });
    expect(c.received.map((m) => m.data.toString())).toEqual(['see you']);
  });

  it('drop ends TCP with no close frame once the answers are written', async () => {
    const c = await ruled([{ when: 'go', reply: 'gone', drop: true }]);
    c.ws.send('go');
    expect(await c.closed).toEqual({ code: 1006, reason: '' });
    expect(c.received.map((m) => m.data.toString())).toEqual(['gone']);
  });
});

describe('order and echo', () => {
  it('the first matching rule answers; later ones do not see the message', async () => {
    const c = await ruled([
      { when: /^a/, reply: 'first' },
      { when: 'abc', reply: 'second' },
      { when: 'xyz', reply: 'third' },
    ]);
    expect(await exchange(c, 'abc', 'xyz')).toEqual(['first', 'third']);
  });

  it('a matched message is not echoed, unless its rule says echo: true (answers first)', async () => {
    const c = await ruled([
      { when: 'quiet', reply: 'answered' },
      { when: 'loud', reply: 'answered', echo: true },
      { when: 'swallowed' },
    ]);
    expect(await exchange(c, 'quiet', 'loud', 'swallowed', 'other')).toEqual(['answered', 'answered', 'loud', 'other']);
  });

  it('with echo: false only the rules answer, and echo: true still echoes', async () => {
    const c = await ruled([{ when: 'loud', reply: 'answered', echo: true }], { echo: false });
    c.ws.send('unmatched');
    c.ws.send('loud');
    expect((await c.nextMessages(2)).map((m) => m.data.toString())).toEqual(['answered', 'loud']);
  });

  it('times: a rule answers its first n matches on each connection, then the next rules do', async () => {
    const server = await serve({
      rules: [
        { when: 'hi', reply: 'first time', times: 1 },
        { when: 'hi', reply: 'again' },
      ],
    });
    const one = await client(server.url);
    expect(await exchange(one, 'hi', 'hi')).toEqual(['first time', 'again']);
    const two = await client(server.url);
    expect(await exchange(two, 'hi')).toEqual(['first time']);
  });

  it('answers count as messages sent back in stats(), the matched message as one received', async () => {
    const server = await serve({ rules: [{ when: 'two', send: ['a', 'b'] }] });
    await exchange(await client(server.url), 'two');
    expect(server.stats()).toMatchObject({ messagesReceived: 2, messagesEchoed: 3 });
  });
});

describe('bad rules', () => {
  it.each([
    [[{ reply: 'x' }], 'rule 1: has no when'],
    [
      [
        { when: 'a', reply: 'a' },
        { when: 5, reply: 'x' },
      ],
      'rule 2: when must be a string (exact text), a RegExp',
    ],
    [[{ when: 'a', repyl: 'x' }], 'rule 1: unknown key "repyl"'],
    [[{ when: /^(\d+)$/, reply: 'got $2' }], 'rule 1: an answer uses $2, but when captures only $0, $1'],
    [[{ when: { id: '$id' }, reply: { id: '$idd' } }], 'rule 1: an answer uses $idd, but when captures only $id'],
    [
      [{ when: 'a', reply: 'costs $5' }],
      'rule 1: an answer uses $5, but when captures nothing (write $$ for a $ sign)',
    ],
    [[{ when: 'a', close: [1005] }], 'rule 1: close code must be 1000-1003, 1007-1014 or 3000-4999, got number 1005'],
    [[{ when: 'a', close: [4000], drop: true }], 'rule 1: close and drop cannot both end a rule'],
    [[{ when: 'a', times: 0 }], 'rule 1: times must be a whole number of 1 or more'],
    [[{ when: 'a', reply: 5 }], 'rule 1: reply must be a string, a Buffer'],
    [
      [{ when: { at: new Date() } }],
      'rule 1: an object that is not plain (a class instance) cannot be part of a JSON pattern at .at',
    ],
    ['ping', 'rules: must be an array of rules'],
  ])('%j is refused: %s', async (rules, message) => {
    const failure = serve({ rules: rules as never });
    await expect(failure).rejects.toThrow(EchoServerError);
    await expect(failure).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining(message) });
  });
});
