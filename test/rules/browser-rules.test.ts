// A browser's own WebSocket (Chromium) against a rule-driven server: a JSON-RPC request from the page gets its answer,
// with the page's id.
import { useBrowser } from '../helpers/processes/browser';
import { perTest } from '../helpers/per-test';

const chromium = useBrowser();
const { serve } = perTest();

describe('a browser WebSocket (Chromium) and reply rules', () => {
  it('sends a JSON-RPC request and gets the answer with its id', async () => {
    const server = await serve({
      echo: false,
      rules: [
        {
          when: { jsonrpc: '2.0', id: '$id', method: 'greet', params: { name: '$name' } },
          reply: { jsonrpc: '2.0', id: '$id', result: 'hello, $name' },
        },
      ],
    });
    const answer = await chromium.page.evaluate(
      (url) =>
        new Promise<unknown>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.onopen = () =>
            ws.send(JSON.stringify({ jsonrpc: '2.0', id: 17, method: 'greet', params: { name: 'page' } }));
          ws.onmessage = (event) => {
            resolve(JSON.parse(event.data as string));
            ws.close(1000);
          };
          setTimeout(() => reject(new Error('no answer after 5 s')), 5000);
        }),
      server.url,
    );
    expect(answer).toEqual({ jsonrpc: '2.0', id: 17, result: 'hello, page' });
  });
});
