// A HAR that Chromium recorded (playwright-core's recordHar) while a page talked to ws-echo, replayed to a ws client.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { startEchoServer, startReplay } from '../../src';
import { isHar, transcriptOfHar } from '../../src/replay/har';
import { launchBrowser } from '../helpers/processes/browser';
import { scratchFile } from '../helpers/upstream/conversation';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** What a client saw: each message as `text:…` or `binary:<hex>`, then the close. */
type Seen = string[];

/** The page's side, as text: ts-jest would rename the page's `WebSocket` to the imported `ws`. */
const PAGE_CONVERSATION = `(url) => new Promise((resolve) => {
  const ws = new WebSocket(url, ['v1.echo']);
  ws.binaryType = 'arraybuffer';
  let echoes = 0;
  ws.onopen = () => ws.send('hello from the page');
  ws.onmessage = () => {
    echoes++;
    if (echoes === 1) ws.send(new Uint8Array([0, 1, 255]));
    else ws.close(1000);
  };
  ws.onclose = () => resolve();
})`;

/** The page's conversation: a text, then 3 bytes, each echoed; the page closes with 1000 after the second echo. */
async function recordHar(file: string): Promise<void> {
  const server = await startEchoServer({ port: 0, protocols: ['v1.echo'] });
  const context = await browser.newContext({ recordHar: { path: file } });
  try {
    const page = await context.newPage();
    await page.goto(server.url.replace('ws:', 'http:') + '/'); // same origin: Local Network Access lets it connect
    await page.evaluate(`(${PAGE_CONVERSATION})(${JSON.stringify(`${server.url}/feed?room=1`)})`);
  } finally {
    await context.close(); // writes the HAR
    await server.close();
  }
}

/** A ws client that plays the page's part against `url` and records what it is sent. */
function playPage(url: string): Promise<{ protocol: string; seen: Seen }> {
  const ws = new WebSocket(url, ['v1.echo']);
  const seen: Seen = [];
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send('hello from the page'));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      seen.push(isBinary ? `binary:${data.toString('hex')}` : `text:${data.toString()}`);
      if (seen.length === 1) ws.send(Buffer.from([0, 1, 255]));
      else ws.close(1000);
    });
    ws.once('close', (code) => resolve({ protocol: ws.protocol, seen: [...seen, `close:${code}`] }));
  });
}

describe('a HAR recorded by Chromium', () => {
  it('holds the WebSocket frames, and replays them to a ws client in order', async () => {
    const file = scratchFile('capture.har');
    await recordHar(file);
    const entry = JSON.parse(readFileSync(file, 'utf8')).log.entries.find(
      (candidate: { _resourceType?: string }) => candidate._resourceType === 'websocket',
    );
    expect(
      entry._webSocketMessages.map(({ type, opcode }: { type: string; opcode: number }) => [type, opcode]),
    ).toEqual([
      ['send', 1],
      ['receive', 1],
      ['send', 2],
      ['receive', 2],
    ]);
    const replay = await startReplay({ transcript: file, port: 0, speed: 'max' });
    try {
      const { protocol, seen } = await playPage(`${replay.url}/feed?room=1`);
      expect(protocol).toBe('v1.echo');
      expect(seen).toEqual(['text:hello from the page', 'binary:0001ff', 'close:1000']);
      await expect(replay.outcome(1)).resolves.toBeUndefined();
    } finally {
      await replay.close();
    }
  });

  it('closes a client that strays from the HAR with 4400', async () => {
    const file = scratchFile('capture.har');
    await recordHar(file);
    const replay = await startReplay({ transcript: file, port: 0, speed: 'max' });
    try {
      const ws = new WebSocket(`${replay.url}/feed?room=1`, ['v1.echo']);
      ws.once('open', () => ws.send('something else'));
      const [code] = await new Promise<[number]>((resolve) => ws.once('close', (closeCode) => resolve([closeCode])));
      expect(code).toBe(4400);
      await expect(replay.outcome(1)).rejects.toThrow('expected: text "hello from the page"');
    } finally {
      await replay.close();
    }
  });
});

describe('a HAR in Chrome DevTools’ export format', () => {
  // The shape DevTools' "Save all as HAR" writes (Chromium's HARWriter): `_resourceType: "websocket"`, and
  // `_webSocketMessages` of { type: "send" | "receive", time: seconds since the epoch, opcode, data }.
  const har = {
    log: {
      entries: [
        { _resourceType: 'document', request: { url: 'http://example.test/' }, response: { status: 200 } },
        {
          _resourceType: 'websocket',
          startedDateTime: '2026-12-06T05:00:00.000Z',
          request: { url: 'wss://example.test/feed?room=2', headers: [{ name: 'Cookie', value: 'sid=1' }] },
          response: { status: 101, headers: [{ name: 'Sec-WebSocket-Protocol', value: 'v2.chat' }] },
          _webSocketMessages: [
            { type: 'send', time: Date.parse('2026-12-06T05:00:00.250Z') / 1000, opcode: 1, data: 'hi' },
            { type: 'receive', time: Date.parse('2026-12-06T05:00:01.500Z') / 1000, opcode: 2, data: 'AAH/' },
          ],
        },
      ],
    },
  };

  it('reads times in seconds, the path, the subprotocol, and redacts credentials', () => {
    expect(isHar(har)).toBe(true);
    const [connection] = transcriptOfHar(har).connections;
    expect(connection.open).toMatchObject({
      path: '/feed?room=2',
      protocol: 'v2.chat',
      headers: { cookie: '[redacted]' },
    });
    expect(connection.steps).toEqual([
      { c: 1, from: 'c', t: 250, text: 'hi' },
      { c: 1, from: 's', t: 1500, binary: 'AAH/' },
    ]);
  });
});
