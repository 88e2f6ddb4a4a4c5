// While a replay plays (second round): rules' answers bounded, prototypes untouched, endings and failures reported.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { startEchoServer, startReplay } from '../../src';
import { BACKPRESSURE_HIGH_WATER } from '../../src/core/constants';
import type { ReplayMismatchError } from '../../src/replay/player';
import { playEveryConnection, readTranscript } from '../../src/replay/replay-server';
import { waitUntil } from '../helpers/probe';
import { Opcode } from '../helpers/wire/frames';
import { openRawClient } from '../helpers/wire/raw-client';
import { scratchFile } from '../helpers/upstream/conversation';
import { loggingClient, OPEN, scriptFile } from './scripts';

const REPLY_BYTES = 200 * 1024;

describe("a script's rule answering a client that never reads", () => {
  it('stops reading the client past 1 MiB unwritten, and resumes once it reads: every answer comes', async () => {
    const count = 60;
    const transcript = scriptFile({ c: '*', rule: { match: '^hb', reply: 'r'.repeat(REPLY_BYTES) } }, OPEN, {
      c: 1,
      wait: 1e9,
    });
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = await openRawClient(Number(new URL(replay.url).port));
      client.socket.pause(); // reads nothing: every answer waits in the server
      const server = await replay.nextConnection();
      const heartbeat = { opcode: Opcode.text, payload: 'hb'.padEnd(16 * 1024, '.') };
      for (let i = 0; i < count; i++) await client.sendFrame(heartbeat);
      await sleep(500); // the server reads what it will
      expect(server.paused).toBe(true);
      expect(server.bufferedAmount).toBeLessThan(BACKPRESSURE_HIGH_WATER + 8 * REPLY_BYTES);
      client.socket.resume();
      for (let i = 0; i < count; i++) expect((await client.nextFrame()).payload.length).toBe(REPLY_BYTES);
      expect(server.paused).toBe(false);
      client.destroy();
    } finally {
      await replay.close();
    }
  });
});

describe('a key named __proto__ in a transcript', () => {
  it("an ignore pointer through /__proto__ follows only the message's own keys (Object.prototype is untouched)", async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 'c', t: 0, json: { op: 'hello' }, ignore: ['/__proto__/hasOwnProperty', '/__proto__'] },
      { c: 1, from: 's', t: 0, text: 'welcome' },
    );
    const replay = await startReplay({ transcript, port: 0, speed: 'max' });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => client.ws.send('{"op":"hello","__proto__":{"hasOwnProperty":1}}'));
      expect(await client.messagesUntil(1)).toEqual(['welcome']);
      expect(Object.hasOwn(Object.prototype, 'hasOwnProperty')).toBe(true);
    } finally {
      await replay.close();
    }
  });

  it('a server line sends it as a key, and a capture named __proto__ is filled in', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 'c', t: 0, match: 'regexp', text: '^(?<__proto__>\\w+)$' },
      { c: 1, from: 's', t: 0, json: JSON.parse('{"__proto__":{"a":1},"got":"$__proto__"}') },
    );
    const replay = await startReplay({ transcript, port: 0, speed: 'max' });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => client.ws.send('hi'));
      expect(await client.messagesUntil(1)).toEqual(['{"__proto__":{"a":1},"got":"hi"}']);
    } finally {
      await replay.close();
    }
  });
});

describe('a client that leaves during a wait line, with client lines still to come', () => {
  it('rejects with "the connection ended" at the next client line, after the messages it sent are matched', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, wait: 300 },
      { c: 1, from: 'c', t: 0, text: 'sent before leaving' },
      { c: 1, from: 's', t: 0, text: 'never sent' },
      { c: 1, from: 'c', t: 0, text: 'never sent either' },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => {
        client.ws.send('sent before leaving');
        client.ws.close(1000);
      });
      const server = await replay.nextConnection();
      await expect(replay.outcome(server)).rejects.toMatchObject({ step: 4, came: 'the connection ended' });
    } finally {
      await replay.close();
    }
  });
});

describe("a mismatch's warning", () => {
  it("shows a line's ignore pointers and JSON text with their controls escaped", async () => {
    const transcript = scriptFile(OPEN, {
      c: 1,
      from: 'c',
      t: 0,
      text: '{"a":\n"\u007f"}',
      ignore: ['/\u001b[2J\nwarning: FAKE'],
    });
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => client.ws.send('{}'));
      const server = await replay.nextConnection();
      const error = (await replay.outcome(server).catch((e: Error) => e)) as ReplayMismatchError;
      expect(error.expected).toBe(
        'JSON {"a":\\u000a"\\u007f"} (match: exact, ignoring /\\u001b[2J\\u000awarning: FAKE)',
      );
    } finally {
      await replay.close();
    }
  });
});

describe('a server line using a capture no earlier client line of its connection makes', () => {
  const use = { c: 1, from: 's', t: 0, json: { got: '$id', price: '$$5' } };
  it.each([
    ['no client line captures', [{ c: 1, from: 'c', t: 0, match: 'any' }, use]],
    [
      'captured only at an ignored pointer',
      [{ c: 1, from: 'c', t: 0, match: 'json-subset', json: { id: '$id' }, ignore: ['/id'] }, use],
    ],
    ['captured only by a later line', [use, { c: 1, from: 'c', t: 0, match: 'regexp', text: '(?<id>.+)' }]],
    [
      'captured on another connection',
      [
        { c: 1, from: 'c', t: 0, match: 'regexp', text: '(?<id>.+)' },
        { ...OPEN, c: 2 },
        { ...use, c: 2 },
      ],
    ],
  ])('is refused at start (%s), naming the line, the capture and where captures come from', (_what, lines) => {
    const file = scriptFile(OPEN, ...lines);
    expect(() => readTranscript(file)).toThrow(
      /script\.jsonl:\d: "\$id" is not captured by an earlier client line .*regexp/,
    );
  });

  it('is accepted once a client line captures it (json-subset or regexp)', () => {
    for (const capture of [
      { c: 1, from: 'c', t: 0, match: 'json-subset', json: { id: '$id' } },
      { c: 1, from: 'c', t: 0, match: 'regexp', text: '^(?<id>\\d+)$' },
    ])
      expect(readTranscript(scriptFile(OPEN, capture, use)).connections).toHaveLength(1);
  });
});

describe('a mismatch', () => {
  it('names the file line of the client line (and keeps the step)', async () => {
    const transcript = scriptFile(OPEN, { c: 1, from: 's', t: 0, text: 'hi' }, { c: 1, from: 'c', t: 0, text: 'yes' });
    const replay = await startReplay({ transcript, port: 0, speed: 'max' });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => client.ws.send('no'));
      const server = await replay.nextConnection();
      const error = (await replay.outcome(server).catch((e: Error) => e)) as ReplayMismatchError;
      expect([error.line, error.step]).toEqual([`${transcript}:4`, 2]);
      expect(error.message).toMatch(`#1 replay mismatch at ${transcript}:4 (step 2):\n`);
    } finally {
      await replay.close();
    }
  });
});

describe('a transcript of another version, and a misspelt rule key', () => {
  it('says which version this ws-echo reads', () => {
    const file = scratchFile('v2.jsonl');
    writeFileSync(file, `${JSON.stringify({ 'ws-echo': 'transcript', version: 2 })}\n${JSON.stringify(OPEN)}\n`);
    expect(() => readTranscript(file)).toThrow(
      /v2\.jsonl:1: version 2 is not known; this ws-echo reads transcripts of version 1/,
    );
  });

  it("lists a script rule's keys without echo, with the closest", () => {
    const file = scriptFile({ c: '*', rule: { match: 'a', rpely: 'b' } }, OPEN);
    expect(() => readTranscript(file)).toThrow(
      /:2: "rule": unknown key "rpely" \(did you mean "reply"\?\); a script's rule has when or match \(and flags\), reply, send, close, drop, times \(/,
    );
  });
});

describe('a loop of server pings to a client that never pongs', () => {
  it('warns once when pings are refused, and waits instead of spinning', async () => {
    const ping = Buffer.alloc(125, 7).toString('base64');
    const transcript = readTranscript(
      scriptFile(OPEN, { c: 1, from: 's', t: 0, ping }, { c: 1, from: 's', t: 0, ping }),
    );
    const server = await startEchoServer({ port: 0, echo: false });
    const warnings: string[] = [];
    const settings = { speed: 'max' as const, end: 'loop' as const, warn: (message: string) => warnings.push(message) };
    playEveryConnection(server, transcript, settings, () => undefined);
    try {
      const client = await openRawClient(server.port); // reads every ping, answers none
      await waitUntil(() => warnings.length > 0);
      const start = performance.eventLoopUtilization();
      await sleep(500);
      expect(performance.eventLoopUtilization(start).utilization).toBeLessThan(0.3);
      expect(warnings).toEqual(['#1 server ping lines skipped: ping(): 1000 pings already wait for their pongs']);
      client.destroy();
    } finally {
      await server.close();
    }
  });
});

describe("a transcript's close", () => {
  it('is logged as closed by the transcript, not by a test', async () => {
    const transcript = scriptFile(OPEN, { c: 1, event: 'close', by: 's', t: 0, code: 4001, reason: 'done' });
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url);
      const server = await replay.nextConnection();
      expect(await client.closed).toEqual({ code: 4001, reason: 'done' });
      expect((await server.closed).cause).toBe('closed by the transcript');
    } finally {
      await replay.close();
    }
  });
});

describe("a HAR's mismatch", () => {
  it('names the entry and the message in the HAR', async () => {
    const file = scratchFile('capture.har');
    const frames = [
      { type: 'send', time: 1, opcode: 9, data: '' },
      { type: 'send', time: 1, opcode: 1, data: 'expected' },
    ];
    const entry = {
      _resourceType: 'websocket',
      request: { url: 'ws://x/feed', headers: [] },
      _webSocketMessages: frames,
    };
    writeFileSync(file, JSON.stringify({ log: { entries: [{ request: { url: 'http://x/' } }, entry] } }));
    const replay = await startReplay({ transcript: file, port: 0, speed: 'max' });
    try {
      const client = loggingClient(`${replay.url}/feed`);
      client.ws.once('open', () => client.ws.send('other'));
      const server = await replay.nextConnection();
      const error = (await replay.outcome(server).catch((e: Error) => e)) as ReplayMismatchError;
      expect(error.line).toBe(`${file}: entry 2, message 2`);
    } finally {
      await replay.close();
    }
  });
});

describe('a server line with "every"', () => {
  it('is sent again every so many ms while the script goes on, and stops when the script ends', async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 0, text: 'beat', every: 20 },
      { c: 1, from: 'c', t: 0, text: 'bye' },
      { c: 1, from: 's', t: 0, text: 'done' },
    );
    const replay = await startReplay({ transcript, port: 0, end: 'stay-open' });
    try {
      const client = loggingClient(replay.url);
      expect(await client.messagesUntil(3)).toEqual(['beat', 'beat', 'beat']);
      client.ws.send('bye');
      await waitUntil(() => client.messages.some(({ data }) => data === 'done'));
      const count = client.messages.length;
      await sleep(100); // the script has ended: no more beats
      expect(client.messages.length).toBe(count);
      client.ws.close();
    } finally {
      await replay.close();
    }
  });

  it('is refused below 10 ms, naming the line', () => {
    const file = scriptFile(OPEN, { c: 1, from: 's', t: 0, text: 'beat', every: 5 });
    expect(() => readTranscript(file)).toThrow(/:3: "every" must be a number of ms, at least 10, got 5/);
  });
});
