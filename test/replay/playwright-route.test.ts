// routeFromTranscript: one transcript drives a page's WebSocket with no server (routeWebSocket) and a ws client
// through startReplay, and both see the same frames; a page that strays is closed with 4400 and the diff.
import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { startReplay } from '../../src';
import { ROUTE_MESSAGES_KEPT } from '../../src/replay/route-client';
import { routeFromTranscript } from '../../src/runners/playwright';
import { launchBrowser } from '../helpers/processes/browser';
import { scratchFile } from '../helpers/upstream/conversation';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The transcript both sides play: a hello, a JSON welcome with the captured id, 3 bytes, the client's 2, a close. */
function transcriptFile(): string {
  const file = scratchFile('route.jsonl');
  const lines = [
    { 'ws-echo': 'transcript', version: 1, recorded: '2026-12-06T00:00:00.000Z', target: 'ws://x/' },
    { c: 1, event: 'open', path: '/feed', protocol: '', extensions: '', headers: {}, at: '' },
    { c: 1, from: 'c', t: 0, match: 'json-subset', json: { op: 'hello', id: '$id' } },
    { c: 1, from: 's', t: 5, json: { op: 'welcome', id: '$id' } },
    { c: 1, from: 's', t: 10, binary: 'AAH/' },
    { c: 1, from: 'c', t: 15, binary: 'AgM=' },
    { c: 1, event: 'close', by: 's', t: 20, code: 4001, reason: 'conversation over' },
  ];
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return file;
}

/**
 * The client's side in the page, as text (ts-jest would rename the page's `WebSocket` to the imported `ws`): sends
 * `hello`, answers a binary message with bytes 2 and 3, and resolves with every frame it saw and the close.
 */
const PAGE_CLIENT = `(([url, hello]) => new Promise((resolve) => {
  const seen = [];
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => ws.send(hello);
  ws.onmessage = ({ data }) => {
    if (typeof data === 'string') return seen.push('text:' + data);
    seen.push('binary:' + [...new Uint8Array(data)].map((byte) => byte.toString(16).padStart(2, '0')).join(''));
    ws.send(new Uint8Array([2, 3]));
  };
  ws.onclose = ({ code, reason }) => resolve([...seen, 'close:' + code + ' ' + reason]);
}))`;

/** Runs the page's client against `url` and returns what it saw. */
const inPage = (page: Page, url: string, hello: string): Promise<string[]> =>
  page.evaluate(`${PAGE_CLIENT}(${JSON.stringify([url, hello])})`);

/** The same client in Node with `ws`. */
function inNode(url: string, hello: string): Promise<string[]> {
  const ws = new WebSocket(url);
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(hello));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      seen.push(isBinary ? `binary:${data.toString('hex')}` : `text:${data.toString()}`);
      if (isBinary) ws.send(Buffer.from([2, 3]));
    });
    ws.once('close', (code, reason) => resolve([...seen, `close:${code} ${reason}`]));
  });
}

const HELLO = JSON.stringify({ op: 'hello', id: 42 });

describe('routeFromTranscript', () => {
  it('plays a transcript to the page with no server, the same frames startReplay sends a ws client', async () => {
    const file = transcriptFile();
    const context = await browser.newContext();
    const replay = await startReplay({ transcript: file, port: 0, speed: 'max' });
    try {
      const page = await context.newPage();
      const routed = await routeFromTranscript(page, file, { url: /\/feed$/, speed: 'max' });
      // Port 9 (discard): nothing listens there, so only the route can answer.
      const inBrowser = await inPage(page, 'ws://127.0.0.1:9/feed', HELLO);
      await expect(routed.outcome(1)).resolves.toBeUndefined();
      const inWs = await inNode(`${replay.url}/feed`, HELLO);
      expect(inBrowser).toEqual(['text:{"op":"welcome","id":42}', 'binary:0001ff', 'close:4001 conversation over']);
      expect(inWs).toEqual(inBrowser);
    } finally {
      await context.close();
      await replay.close();
    }
  });

  it('plays hand-written lines in the page: rules, ignore, waits; ping, set and frames skipped or sent whole', async () => {
    const file = scratchFile('script.jsonl');
    const lines = [
      { 'ws-echo': 'transcript', version: 1, recorded: '', target: 'ws://x/' },
      { c: '*', rule: { when: { type: 'ping' }, reply: { type: 'pong' } } },
      { c: 1, event: 'open', path: '/feed', protocol: '', extensions: '', headers: {}, at: '' },
      { c: 1, from: 's', t: 0, ping: '' }, // a mock has no ping frames: skipped
      { c: 1, set: { delay: 100 } }, // nor faults: skipped
      { c: 1, from: 'c', t: 0, json: { op: 'hello', ts: 1 }, ignore: ['/ts'] },
      { c: 1, wait: 50 },
      { c: 1, from: 's', t: 0, text: 'welcome', frames: [3, 4] }, // one message
      { c: 1, event: 'close', by: 's', t: 0, code: 4001, reason: 'over' },
    ];
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const routed = await routeFromTranscript(page, file, { url: '**/feed' });
      const seen = await page.evaluate(`new Promise((resolve) => {
        const seen = [];
        const ws = new WebSocket('ws://127.0.0.1:9/feed');
        ws.onopen = () => { ws.send('{"type":"ping"}'); ws.send('{"op":"hello","ts":777}'); };
        ws.onmessage = ({ data }) => seen.push(data);
        ws.onclose = ({ code, reason }) => resolve([...seen, 'close:' + code + ' ' + reason]);
      })`);
      expect(seen).toEqual(['{"type":"pong"}', 'welcome', 'close:4001 over']);
      await expect(routed.outcome(1)).resolves.toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it('closes a page that strays with 4400, and its outcome rejects with the diff', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const file = transcriptFile();
      const routed = await routeFromTranscript(page, file, { url: '**/feed', speed: 'max' });
      const seen = await inPage(page, 'ws://127.0.0.1:9/feed', 'goodbye');
      expect(seen).toEqual(['close:4400 replay mismatch']);
      await expect(routed.outcome(1)).rejects.toThrow(
        `#1 replay mismatch at ${file}:3 (step 1):\n  expected: JSON {"op":"hello","id":"$id"} (match: json-subset)\n` +
          '  came:     text "goodbye"',
      );
    } finally {
      await context.close();
    }
  });

  it('closes a page that sends more than 1,000 messages the script has not read with 1008', async () => {
    const file = scratchFile('slow.jsonl');
    const lines = [
      { 'ws-echo': 'transcript', version: 1, recorded: '', target: 'ws://x/' },
      { c: 1, event: 'open', path: '/feed', protocol: '', extensions: '', headers: {}, at: '' },
      { c: 1, from: 's', t: 0, text: 'hello' }, // then the script ends, open, and reads nothing more
    ];
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await routeFromTranscript(page, file, { url: '**/feed', end: 'stay-open' });
      const code = await page.evaluate(`new Promise((resolve) => {
        const ws = new WebSocket('ws://127.0.0.1:9/feed');
        ws.onopen = () => { for (let i = 0; i < ${ROUTE_MESSAGES_KEPT + 1}; i++) ws.send('m' + i); };
        ws.onclose = ({ code }) => resolve(code);
      })`);
      expect(code).toBe(1008);
    } finally {
      await context.close();
    }
  });

  it('names a bad speed as startReplay does', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await expect(routeFromTranscript(page, transcriptFile(), { url: '**', speed: 0 })).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringContaining('replay speed'),
      });
    } finally {
      await context.close();
    }
  });
});
