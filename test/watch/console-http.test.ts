// The console page over HTTP: who gets it (browsers) and who keeps the text answer (curl), with its security headers.
import { createHash } from 'node:crypto';
import { acceptsHtml } from '../../src/console/console-page';
import { runCommand } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';

const { serve } = perTest();

const httpBase = (wsUrl: string): string => wsUrl.replace(/^ws/, 'http').replace(/^(\w+:\/\/[^/]+).*$/, '$1');
const CHROME_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

describe('who gets the console page', () => {
  it.each([
    [CHROME_ACCEPT, true],
    ['text/html', true],
    ['TEXT/HTML; charset=utf-8', true],
    ['application/xhtml+xml', true],
    ['*/*', false],
    ['text/plain', false],
    ['text/html;q=0', false],
    ['application/json, text/html;q=0.0', false],
    ['', false],
    [undefined, false],
  ])('Accept %p: page %p', (accept, page) => {
    expect(acceptsHtml(accept)).toBe(page);
  });

  it('curl (Accept: */*) keeps the text answer, which mentions the console and /metrics', async () => {
    const server = await serve();
    const { code, stdout } = await runCommand('curl', ['-sS', '-i', httpBase(server.url) + '/']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^content-type: text\/plain; charset=utf-8\r$/im);
    expect(stdout).toMatch(/^vary: Accept\r$/im);
    expect(stdout).toContain(`Connect a WebSocket client to ${server.url}\n`);
    expect(stdout).toContain('Prometheus metrics: GET /metrics\n');
    expect(stdout).toContain('A console to try it: open this address in a browser\n');
  });

  it('a browser gets one self-contained page with a strict CSP whose hashes match its inline script and style', async () => {
    const server = await serve();
    const response = await fetch(httpBase(server.url) + '/', { headers: { Accept: CHROME_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('vary')).toBe('Accept');
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
    );
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'connect-src': "'self'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
    const inline = (tag: string): string[] =>
      [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
    const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(inline('script').map(hash)).toEqual([directives['script-src']]);
    expect(inline('style').map(hash)).toEqual([directives['style-src']]);
    // Nothing is fetched from anywhere: no src= or href= at all, no unsafe-inline.
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(csp).not.toContain('unsafe');
  });

  it('HEAD from a browser gets the page headers and no body; /healthz and /metrics stay what they are', async () => {
    const server = await serve();
    const head = await fetch(httpBase(server.url) + '/', { method: 'HEAD', headers: { Accept: 'text/html' } });
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
    const health = await fetch(httpBase(server.url) + '/healthz', { headers: { Accept: CHROME_ACCEPT } });
    expect(health.headers.get('content-type')).toBe('application/json');
    const metrics = await fetch(httpBase(server.url) + '/metrics', { headers: { Accept: CHROME_ACCEPT } });
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('escapes the --path it puts in the page', async () => {
    const server = await serve({ path: "/a'b&c" }); // the characters a path may hold that HTML must escape
    const html = await (await fetch(httpBase(server.url) + '/', { headers: { Accept: 'text/html' } })).text();
    expect(html).toContain('data-path="/a&#39;b&amp;c"');
  });
});
