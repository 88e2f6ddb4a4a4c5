// Requests Node's HTTP layer treats specially get a proper answer: CONNECT a 405, an absolute-form target the same path
// match as any other, oversized headers a 431, a TLS handshake on a plain port a 400 with a hint in the log; each
// refusal is logged and counted.
import { connect as tlsConnect } from 'node:tls';
import type { EchoServerOptions } from '../../src';
import { LogSink } from '../helpers/log-sink';
import { perTest } from '../helpers/per-test';
import { pollUntil } from '../helpers/probe';
import {
  collectUntilClosed,
  httpRequestText,
  openTcp,
  openUpgraded,
  rawHttp,
  upgradeHeaders,
  randomKey,
} from '../helpers/wire/raw-http';

const { serve, running } = perTest();

/** Starts the in-process server logging JSON lines into memory; returns a reader of the parsed lines. */
async function serveLogged(options: EchoServerOptions = {}): Promise<() => Array<Record<string, unknown>>> {
  const sink = new LogSink('json');
  await serve({ ...options, log: sink.log });
  return () => sink.events();
}

/** The `rejected` lines logged so far, once at least one is there. */
async function rejectedLines(lines: () => Array<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
  const read = (): Array<Record<string, unknown>> => lines().filter((line) => line.event === 'rejected');
  return pollUntil(read, (found) => found.length > 0);
}

describe('requests the HTTP layer treats specially', () => {
  it('CONNECT host:443 gets 405 with Allow, a rejected line and a count', async () => {
    const lines = await serveLogged();
    const answer = await rawHttp(running().port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
    expect(await rejectedLines(lines)).toEqual([expect.objectContaining({ path: 'example.com:443', status: 405 })]);
    expect(running().stats().upgradesRejected).toBe(1);
  });

  it('an absolute-form target (GET http://host/chat) matches --path /chat (RFC 9112 §3.2.2)', async () => {
    const { port } = await serve({ path: '/chat' });
    const upgraded = await openUpgraded(port, { path: `http://127.0.0.1:${port}/chat?room=1` });
    upgraded.socket.destroy();
    expect(running().stats()).toMatchObject({ connectionsTotal: 1, upgradesRejected: 0 });
    const health = await rawHttp(
      port,
      httpRequestText('GET', `http://127.0.0.1:${port}/healthz`, { Host: `127.0.0.1:${port}` }),
    );
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
  });

  it('request headers over the limit get 431, a rejected line and a count', async () => {
    const lines = await serveLogged();
    const { port } = running();
    const headers = { ...upgradeHeaders(port, randomKey()), 'X-Padding': 'a'.repeat(20_000) };
    const answer = await rawHttp(port, httpRequestText('GET', '/', headers));
    expect(answer.status).toBe(431);
    expect(await rejectedLines(lines)).toEqual([
      expect.objectContaining({ status: 431, reason: expect.stringMatching(/headers too large/) }),
    ]);
    expect(running().stats().upgradesRejected).toBe(1);
  });

  it('a wss:// (TLS) client on the ws:// port gets a hint in the log', async () => {
    const lines = await serveLogged();
    const socket = tlsConnect({ host: '127.0.0.1', port: running().port, rejectUnauthorized: false });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('close', resolve));
    expect(await rejectedLines(lines)).toEqual([
      expect.objectContaining({ status: 400, reason: expect.stringMatching(/a wss:\/\/ client on a ws:\/\/ port\?/) }),
    ]);
  });

  it('a request that is not HTTP at all still gets 400 and no hint', async () => {
    const lines = await serveLogged();
    const socket = await openTcp(running().port);
    const answer = collectUntilClosed(socket);
    socket.write('HELLO\r\n\r\n');
    expect((await answer).toString('latin1')).toMatch(/^HTTP\/1\.1 400 /);
    const [line] = await rejectedLines(lines);
    expect(line.reason).not.toMatch(/wss/);
  });
});
