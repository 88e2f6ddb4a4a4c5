// The RFC 8441 faults that broke real apps, reproduced on purpose: the setting advertised and then the CONNECT refused
// (h2-refuse) or its stream reset (h2-reset), for every WebSocket or one URL, while the same URL over HTTP/1.1 still
// opens; and the setting not advertised (--no-h2-advertise), where Node resets a `:protocol` stream sent anyway.
import { constants } from 'node:http2';
import type { EchoServerOptions } from '../../src';
import { openClient } from '../helpers/clients';
import { perTest } from '../helpers/per-test';
import { H2Client, NGHTTP2_CANCEL } from '../helpers/wire/h2-websocket';
import { runCliToEnd } from '../helpers/processes/cli';
import { pollUntil } from '../helpers/probe';

const { serve, defer, running, cliServer } = perTest();

/** A clear-text server with --h2 and one HTTP/2 session to it. */
async function session(options: EchoServerOptions = {}): Promise<{ url: string; client: H2Client }> {
  const server = await serve({ h2: true, ...options });
  const client = new H2Client(server.url);
  defer(() => client.destroy());
  return { url: server.url, client };
}

/** Expects an HTTP/1.1 WebSocket to `url` to open and echo. */
async function expectHttp1Echo(url: string): Promise<void> {
  const ws = await openClient(url);
  defer(() => ws.terminate());
  ws.send('over http/1.1');
  const echo = await new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
  expect(echo).toBe('over http/1.1');
}

describe('h2-refuse: the setting advertised, then the CONNECT refused', () => {
  const CASES: Array<[string, EchoServerOptions, string, number]> = [
    ['for every WebSocket (the option)', { h2Refuse: 405 }, '/', 405],
    ['for one URL (?h2-refuse=)', {}, '/?h2-refuse=403', 403],
  ];

  test.each(CASES)('%s; the same URL over HTTP/1.1 opens', async (_name, options, path, status) => {
    const { url, client } = await session(options);
    expect((await client.settings).enableConnectProtocol).toBe(true);
    const answer = await client.refused(path);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatch(new RegExp(`refused as asked \\(h2-refuse=${status}\\)`));
    expect((await client.get('/healthz')).status).toBe(200);
    await expectHttp1Echo(url + path.slice(1));
  });
});

describe('h2-reset: the setting advertised, then the stream reset unanswered', () => {
  const CASES: Array<[string, EchoServerOptions, string]> = [
    ['for every WebSocket (the option)', { h2Reset: true }, '/'],
    ['for one URL (?h2-reset)', {}, '/?h2-reset'],
  ];

  test.each(CASES)('%s; the session goes on and the URL opens over HTTP/1.1', async (_name, options, path) => {
    const { url, client } = await session(options);
    await expect(client.webSocket(path)).rejects.toThrow(`stream closed before an answer (rst ${NGHTTP2_CANCEL})`);
    expect(client.session.closed).toBe(false);
    expect((await client.get('/healthz')).status).toBe(200);
    expect(running().connections()).toBe(0);
    await expectHttp1Echo(url + path.slice(1));
  });
});

describe('the command line', () => {
  test('--h2-refuse 418 refuses every RFC 8441 WebSocket; --h2-reset resets them', async () => {
    const refusing = await cliServer(['--h2', '--h2-refuse', '418']);
    const toRefusing = new H2Client(refusing.url);
    defer(() => toRefusing.destroy());
    expect((await toRefusing.refused('/')).status).toBe(418);
    const resetting = await cliServer(['--h2', '--h2-reset']);
    const toResetting = new H2Client(resetting.url);
    defer(() => toResetting.destroy());
    await expect(toResetting.webSocket('/')).rejects.toThrow(`(rst ${NGHTTP2_CANCEL})`);
    await expectHttp1Echo(`${resetting.url}/`);
  });
});

describe('--no-h2-advertise: the setting not advertised', () => {
  test('the server says nothing of RFC 8441; a :protocol stream sent anyway is reset (PROTOCOL_ERROR)', async () => {
    const { url, client } = await session({ h2Advertise: false });
    expect((await client.settings).enableConnectProtocol).toBeFalsy();
    await expect(client.webSocket('/')).rejects.toThrow(
      `stream closed before an answer (rst ${constants.NGHTTP2_PROTOCOL_ERROR})`,
    );
    expect((await client.get('/healthz')).status).toBe(200);
    await expectHttp1Echo(url);
  });

  test('the command line: --no-h2-advertise serves HTTP/2 without the setting', async () => {
    const cli = await cliServer(['--h2', '--no-h2-advertise']);
    const client = new H2Client(cli.url);
    defer(() => client.destroy());
    expect((await client.settings).enableConnectProtocol).toBeFalsy();
    expect((await client.get('/healthz')).status).toBe(200);
  });

  test('a bad --h2-refuse status exits 2 naming the flag and its valid values', async () => {
    const result = await runCliToEnd(['--h2', '--h2-refuse', '200']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--h2-refuse.*must be a whole number from 400 to 599/);
  });

  test.each([['--h2-refuse', '405'], ['--h2-reset'], ['--no-h2-advertise']])(
    '%s without --h2 warns at start that it changes nothing',
    async (...args) => {
      const cli = await cliServer(args);
      const warning = `${args[0]} changes nothing without --h2`;
      expect(await pollUntil(cli.stderr, (text) => text.includes(warning))).toContain(warning); // on stderr
    },
  );
});
