// Unknown URL parameters: named on the connection (API event, JSON and pretty log line, with "did you mean"), never
// refused by default (apps put their own in URLs); refused with 400 before the upgrade under strict / --strict-params.
import { once } from 'node:events';
import WebSocket from 'ws';
import type { ConnectionEvent } from '../../src';
import { UNKNOWN_NAME_CHARS } from '../../src/behaviour/behaviour';
import { LogSink } from '../helpers/log-sink';
import { perTest } from '../helpers/per-test';
import { portOf, rawUpgrade } from '../helpers/wire/raw-http';

const { serve, client, cliServer } = perTest();

describe('without strict, unknown parameters are named, not refused', () => {
  it("the API's connection event names them, with the closest known name when one is close", async () => {
    const server = await serve();
    const events: ConnectionEvent[] = [];
    server.on('connection', (event) => events.push(event));
    await client(`${server.url}/?dealy=100&room=1&room=2&throtle=5&mode=forever`);
    const connection = await server.nextConnection();
    expect(events[0].unknownParams).toEqual(['dealy', 'room', 'throtle']);
    expect(events[0].didYouMean).toEqual({ dealy: 'delay', throtle: 'throttle' });
    expect(events[0].behaviour).toEqual({ mode: 'forever' });
    expect(connection.query).toEqual({ dealy: '100', room: ['1', '2'], throtle: '5', mode: 'forever' });
  });

  it('a URL with only known parameters (or none) has no unknownParams field', async () => {
    const server = await serve();
    const events: ConnectionEvent[] = [];
    server.on('connection', (event) => events.push(event));
    await client(`${server.url}/?delay=0`);
    await client(`${server.url}/plain`);
    await server.nextConnection();
    await server.nextConnection();
    expect(events.map((e) => 'unknownParams' in e || 'didYouMean' in e)).toEqual([false, false]);
  });

  it('the pretty line says "(unknown parameter dealy: did you mean delay?)"; client text is escaped', async () => {
    const sink = new LogSink('pretty');
    const server = await serve({ log: sink.log });
    await client(`${server.url}/?dealy=100`);
    await client(`${server.url}/?a%1B%5B31m%E2%80%AEb=1&token=x`);
    await server.nextConnection();
    await server.nextConnection();
    const lines = sink.text().split('\n');
    expect(lines.find((l) => l.startsWith('#1 '))).toMatch(/ \(unknown parameter dealy: did you mean delay\?\)$/);
    const second = lines.find((l) => l.startsWith('#2 ')) as string;
    expect(second).toContain('(unknown parameters "a\\u001b[31m\\u202eb", token)');
    expect(second).not.toMatch(/[\u001b\u202e]/);
  });

  it('the JSON log line carries unknownParams and didYouMean', async () => {
    const sink = new LogSink('json');
    const server = await serve({ log: sink.log });
    await client(`${server.url}/?no-pnog`);
    await server.nextConnection();
    const event = await sink.next('connection');
    expect(event.unknownParams).toEqual(['no-pnog']);
    expect(event.didYouMean).toEqual({ 'no-pnog': 'no-pong' });
  });

  it(`a long unknown name is cut to ${UNKNOWN_NAME_CHARS} characters and "…": in the event, the JSON and the pretty line`, async () => {
    const sink = new LogSink('pretty');
    const server = await serve({ log: sink.log });
    const events: ConnectionEvent[] = [];
    server.on('connection', (event) => events.push(event));
    const cut = `${'x'.repeat(UNKNOWN_NAME_CHARS - 1)}😀…`;
    await client(`${server.url}/?${'x'.repeat(UNKNOWN_NAME_CHARS - 1)}😀${'y'.repeat(10_000)}=1&dealy=1`);
    await server.nextConnection();
    expect(events[0].unknownParams).toEqual([cut, 'dealy']);
    expect(events[0].didYouMean).toEqual({ dealy: 'delay' });
    const line = sink
      .text()
      .split('\n')
      .find((l) => l.startsWith('#1 ')) as string;
    expect(line).toContain(`(unknown parameters "${cut}", dealy: did you mean delay?)`);
    expect(line.length).toBeLessThan(2048); // the path is cut too: the JSON log keeps it whole
    expect(line).toMatch(/… \(\d+ characters\) \(unknown/);
  });

  it('at most 16 unknown names are kept for one URL, each once', async () => {
    const server = await serve();
    const names = Array.from({ length: 40 }, (_, i) => `p${i}=1`);
    const events: ConnectionEvent[] = [];
    server.on('connection', (event) => events.push(event));
    await client(`${server.url}/?p0=1&p0=2&${names.join('&')}`);
    await server.nextConnection();
    expect(events[0].unknownParams).toEqual(Array.from({ length: 16 }, (_, i) => `p${i}`));
  });
});

describe('strict: an unknown parameter gets 400 before the upgrade', () => {
  it('the body names the parameter, its closest known name and every known one; counted as a refusal', async () => {
    const server = await serve({ strict: true });
    const answer = await rawUpgrade(server.port, { path: '/?dealy=100' });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('unknown query parameter "dealy" (did you mean delay?)');
    expect(answer.body).toContain('known: mode, buffer-size, delay, close-after');
    expect(server.stats().upgradesRejected).toBe(1);
  });

  it('names several, and one with no close name plainly; known parameters alone still connect', async () => {
    const server = await serve({ strict: true });
    const answer = await rawUpgrade(server.port, { path: '/?room=1&dely=5' });
    expect(answer.body).toContain('unknown query parameters "room", "dely" (did you mean delay?)');
    const ws = new WebSocket(`${server.url}/?delay=0&no-pong`);
    await once(ws, 'open');
    ws.close();
    await expect(rawUpgrade(server.port, { path: '/' })).resolves.toMatchObject({ status: 101 });
  });

  it('strict takes true or false, like every switch', async () => {
    await expect(serve({ strict: 'yes' as unknown as boolean })).rejects.toThrow(/strict/);
  });

  it('the CLI takes --strict-params', async () => {
    const cli = await cliServer(['--strict-params']);
    const refused = await rawUpgrade(portOf(cli.url), { path: '/?dealy=1' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('did you mean delay?');
    await cli.waitFor(/rejected .*400 unknown query parameter "dealy"/);
  });
});
