// A browser's own WebSocket (Chromium) against the real server: echoes, how each mode's end looks to it, and a scripted
// (echo: false) server.
import type { Page } from 'playwright-core';
import { useBrowser } from '../helpers/processes/browser';
import { perTest } from '../helpers/per-test';

const chromium = useBrowser();
const { serve } = perTest();

interface BrowserSession {
  echoes: Array<{ type: string; text: string; size: number }>;
  close: { code: number; reason: string; wasClean: boolean };
}

/** In the page: connects, sends a text and a binary message, then closes with 1000 (or waits for the server). */
function talk(page: Page, url: string, closeFirst: boolean): Promise<BrowserSession> {
  return page.evaluate(
    ({ url, closeFirst }) =>
      new Promise<BrowserSession>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.binaryType = 'arraybuffer';
        const echoes: BrowserSession['echoes'] = [];
        ws.onerror = () => undefined;
        ws.onopen = () => {
          ws.send('héllo');
          ws.send(new Uint8Array([0, 1, 255]));
        };
        ws.onmessage = (event) => {
          const binary = event.data instanceof ArrayBuffer;
          const bytes = binary ? new Uint8Array(event.data) : new TextEncoder().encode(event.data);
          echoes.push({
            type: binary ? 'binary' : 'text',
            text: binary ? Array.from(bytes).join(',') : event.data,
            size: bytes.length,
          });
          if (closeFirst && echoes.length === 2) ws.close(1000, 'done');
        };
        ws.onclose = (event) =>
          resolve({ echoes, close: { code: event.code, reason: event.reason, wasClean: event.wasClean } });
        setTimeout(() => reject(new Error(`no close after 10 s; echoes: ${JSON.stringify(echoes)}`)), 10_000);
      }),
    { url, closeFirst },
  );
}

describe('a browser WebSocket (Chromium)', () => {
  it('graceful: text stays text, binary stays binary, and a close from the page is clean with 1000', async () => {
    const server = await serve({ mode: 'graceful' });
    const session = await talk(chromium.page, server.url, true);
    expect(session.echoes).toEqual([
      { type: 'text', text: 'héllo', size: 6 },
      { type: 'binary', text: '0,1,255', size: 3 },
    ]);
    expect(session.close).toEqual({ code: 1000, reason: 'done', wasClean: true });
  });

  it('forever: the close from the page is never answered, so the browser sees 1006, not clean', async () => {
    const server = await serve({ mode: 'forever' });
    const session = await talk(chromium.page, server.url, true);
    expect(session.echoes).toHaveLength(2);
    expect(session.close).toMatchObject({ code: 1006, wasClean: false });
  });

  it('whole-message: one echo, then the connection drops: 1006, not clean', async () => {
    const server = await serve({ mode: 'whole-message' });
    const session = await talk(chromium.page, server.url, false);
    expect(session.echoes).toEqual([{ type: 'text', text: 'héllo', size: 6 }]);
    expect(session.close).toMatchObject({ code: 1006, wasClean: false });
  });
});

describe('a browser WebSocket against a scripted server (echo: false)', () => {
  it('the test sees what the page sent and answers from Node; the page sees only those answers', async () => {
    const server = await serve({ echo: false });
    const connection = server.nextConnection({ timeout: 10_000 });
    const pageSide = chromium.page.evaluate(
      (url) =>
        new Promise<string[]>((resolve, reject) => {
          const ws = new WebSocket(`${url}/scripted?as=page`);
          ws.binaryType = 'arraybuffer';
          const seen: string[] = [];
          ws.onopen = () => ws.send('question from the page');
          ws.onmessage = (event) => {
            seen.push(
              event.data instanceof ArrayBuffer
                ? `binary ${new Uint8Array(event.data).join(',')}`
                : `text ${event.data}`,
            );
            if (seen.length === 2) ws.close(1000, 'thanks');
          };
          ws.onclose = (event) => resolve([...seen, `close ${event.code} ${event.reason} ${event.wasClean}`]);
          setTimeout(() => reject(new Error(`no close after 10 s; seen: ${JSON.stringify(seen)}`)), 10_000);
        }),
      server.url,
    );
    const client = await connection;
    expect(client).toMatchObject({ path: '/scripted', query: { as: 'page' } });
    expect(client.headers['user-agent']).toMatch(/Chrome/);
    const question = await client.nextMessage({ timeout: 10_000 });
    expect(question).toMatchObject({ data: 'question from the page', isBinary: false });
    client.send('answer from Node');
    client.send(Buffer.from([4, 2]));
    expect(await pageSide).toEqual(['text answer from Node', 'binary 4,2', 'close 1000 thanks true']);
    expect(await client.closed).toEqual({ code: 1000, reason: 'thanks', clean: true, initiator: 'client' });
  });
});
