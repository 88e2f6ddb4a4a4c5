// Per-connection behaviour values, checked and shown: a bad value, however it comes, gets HTTP 400 before the upgrade
// (URL), exit 2 (CLI) or EchoServerError (API), naming the parameter, the value and what is allowed; close-code and
// close-reason without close-after are refused the same way; unknown URL parameters are left alone; the connection
// line, the listening line, --help and the README show every parameter.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EchoServerError, startEchoServer, type EchoServerOptions } from '../../src';
import { behaviourFromUrl, describeBehaviour, PLAIN_BEHAVIOUR, resolveBehaviour } from '../../src/behaviour/behaviour';
import { BEHAVIOUR_PARAMETERS } from '../../src/behaviour/parameters';
import { delayPicker, seededRandom } from '../../src/behaviour/random';
import { connect } from '../helpers/clients';
import { runCliToEnd, startCli } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';
import { pollUntil, stopChild } from '../helpers/probe';
import { portOf, rawUpgrade } from '../helpers/wire/raw-http';
import { jsonLogInMemory, LogSink } from '../helpers/log-sink';

const { serve, cliServer, defer } = perTest();

/** One bad value per parameter (URL spelling) and what the answer must say it allows. */
const BAD_URL_VALUES: Array<[name: string, value: string, allowed: RegExp]> = [
  ['mode', 'sideways', /one of one-shot, whole-message, forever, graceful/],
  ['buffer-size', '0', /a whole number from 1 to/],
  ['delay', '50-10', /a whole number from 0 to 600000 ms, or a range min-max/],
  ['close-after', '-1', /a whole number of at least 0 echoes/],
  ['close-code', '1005', /1000-1003, 1007-1014, 3000-4999/],
  ['close-reason', 'x'.repeat(124), /text of at most 123 bytes/],
  ['drop-after', 'two', /a whole number of at least 0/],
  ['reset-after', '1.5', /a whole number of at least 0/],
  ['greeting', '%E0%A4%A', /not valid percent-encoding/],
  ['fragment', '0', /a whole number from 1 to/],
  ['reject', '302', /a whole number from 400 to 599/],
  ['h2-refuse', '200', /a whole number from 400 to 599/],
  ['h2-reset', 'maybe', /given with no value, or 1, true, 0, false/],
  ['accept-delay', '600001', /a whole number from 0 to 600000 ms/],
  ['no-pong', 'maybe', /given with no value, or 1, true, 0, false/],
  ['ping-interval', '0x10', /0 \(off\) or a number from 0\.001 to \d+ s/],
  ['throttle', '0', /a whole number of at least 1 byte\/s/],
  ['seed', '4294967296', /a whole number from 0 to 4294967295/],
];

/** Sends a valid upgrade to `path` over raw TCP and returns the HTTP answer. */
async function upgradeAnswer(port: number, path: string): Promise<{ status: number; body: string }> {
  const { status, body } = await rawUpgrade(port, { path });
  return { status, body };
}

describe('a bad URL value gets 400 before the upgrade, naming the parameter, the value and what is allowed', () => {
  it('covers every parameter', () => {
    expect(BAD_URL_VALUES.map(([name]) => name).sort()).toEqual(BEHAVIOUR_PARAMETERS.map((p) => p.name).sort());
  });

  it.each(BAD_URL_VALUES)('%s=%s', async (name, value, allowed) => {
    const { options: log, events } = jsonLogInMemory();
    const server = await serve({ log });
    const path = `/?token=abc&${name}=${value}`;
    const { status, body } = await upgradeAnswer(server.port, path);
    expect(status).toBe(400);
    expect(body).toContain(name);
    if (!value.includes('%')) expect(body).toContain(value.slice(0, 40));
    expect(body).toMatch(allowed);
    const rejected = await pollUntil(events, (e) => e.some((event) => event.event === 'rejected'), 50, 20);
    expect(rejected.find((event) => event.event === 'rejected')).toMatchObject({
      status: 400,
      path,
      reason: body.trim(),
    });
    expect(server.stats()).toMatchObject({ connectionsTotal: 0, upgradesRejected: 1 });
  });

  it('a parameter given twice is refused', async () => {
    const server = await serve();
    const { status, body } = await upgradeAnswer(server.port, '/?delay=1&delay=2');
    expect(status).toBe(400);
    expect(body).toMatch(/delay is given twice/);
  });
});

describe('close-code and close-reason only shape the close close-after starts: without it they are refused', () => {
  describe('in the URL: HTTP 400 before the upgrade, naming both parameters', () => {
    it.each([
      ['/?close-code=4000', 'close-code needs close-after'],
      ['/?close-reason=bye', 'close-reason needs close-after'],
      ['/?close-code=4000&close-reason=bye', 'close-code and close-reason need close-after'],
    ])('%s', async (urlPath, message) => {
      const server = await serve({});
      const { status, body } = await rawUpgrade(portOf(server.url), { path: urlPath });
      expect(status).toBe(400);
      expect(body).toContain(message);
    });

    it('is fine with close-after in the URL, or in the server defaults', async () => {
      const server = await serve({});
      const c = await connect(`${server.url}/?close-after=1&close-code=4000&close-reason=bye`);
      c.ws.send('x');
      expect(await c.closed).toEqual({ code: 4000, reason: 'bye' });
      const withDefault = await serve({ closeAfter: 1 });
      const d = await connect(`${withDefault.url}/?close-code=4001`);
      d.ws.send('x');
      expect((await d.closed).code).toBe(4001);
    });
  });

  describe('as flags: exit 2', () => {
    it.each([
      [['--close-code', '4000'], 'error: --close-code needs --close-after'],
      [['--close-reason', 'bye', '--close-code', '4000'], 'error: --close-code and --close-reason need --close-after'],
    ])('%j', async (args, message) => {
      const { code, stderr } = await runCliToEnd(['--port', '0', ...args]);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    });
  });

  describe('as API options: EchoServerError (exit code 2)', () => {
    it.each([
      [{ closeCode: 4000 }, 'closeCode needs closeAfter'],
      [{ closeReason: 'bye' }, 'closeReason needs closeAfter'],
    ])('%j', async (options, message) => {
      const error = await startEchoServer(options).then(
        (server) => server.close().then(() => undefined),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EchoServerError);
      expect((error as EchoServerError).exitCode).toBe(2);
      expect((error as EchoServerError).message).toContain(message);
    });
  });
});

describe('unknown parameters are left alone; the connection line shows what is in effect', () => {
  it('?token=abc&Delay=5&dealy=5 connects as plain echo, and the event says so', async () => {
    const { options: log, events } = jsonLogInMemory();
    const server = await serve({ log });
    const c = await connect(`${server.url}/?token=abc&Delay=5&dealy=5`);
    c.ws.send('x');
    await c.nextMessages(1);
    const known = await connect(
      `${server.url}/?mode=forever&delay=0-3&seed=9&greeting=hi%20%22there%22&no-pong&close-code=4000&close-after=50`,
    );
    await known.nextMessages(1);
    const connections = (
      await pollUntil(events, (e) => e.filter((event) => event.event === 'connection').length === 2, 50, 20)
    ).filter((event) => event.event === 'connection');
    expect(connections[0]).toMatchObject({ path: '/?token=abc&Delay=5&dealy=5', behaviour: {} });
    expect(connections[1].behaviour).toEqual({
      mode: 'forever',
      delay: '0-3',
      'close-after': 50,
      'close-code': 4000,
      greeting: 'hi "there"',
      'no-pong': true,
      seed: 9,
    });
  });

  it('pretty logs show the behaviour compactly, text quoted, and a random seed for an unseeded range', async () => {
    const sink = new LogSink('pretty');
    const server = await serve({ log: sink.log });
    await connect(`${server.url}/?delay=1-2&greeting=a%0Ab&close-after=1`);
    const line = await pollUntil(
      () => sink.text(),
      (t) => /connected/.test(t),
      50,
      20,
    );
    expect(line).toMatch(/path \/\?\S+ \[delay=1-2 close-after=1 greeting="a\\nb" seed=\d+\]\n/);
  });
});

describe('the listening line shows the defaults every connection gets', () => {
  it('JSON and pretty', async () => {
    const json = startCli(['--port', '0', '--json', '--delay', '10-20', '--no-pong', '--mode', 'forever']);
    defer(() => stopChild(json.child));
    const [line] = await json.waitFor(/^\{"event":"listening".*$/m);
    expect(JSON.parse(line)).toMatchObject({
      event: 'listening',
      mode: 'forever',
      behaviour: { mode: 'forever', delay: '10-20', 'no-pong': true },
    });
    const pretty = await cliServer(['--delay', '10-20', '--no-pong', '--mode', 'forever']);
    expect(pretty.stdout()).toMatch(/listening on ws:\/\/\S+ \(mode: forever\) \[delay=10-20 no-pong\]\n/);
  });
});

describe('startEchoServer() checks every behaviour option', () => {
  it.each(
    (<Array<[EchoServerOptions, RegExp]>>[
      [
        { delay: [10, 5] },
        /delay must be a whole number from 0 to 600000 ms, or \[min, max\] of them, got "\[10, 5\]"/,
      ],
      [{ delay: -1 }, /delay must be/],
      [{ closeAfter: 1.5 }, /closeAfter must be a whole number of at least 0 echoes, got 1.5/],
      [{ closeCode: 1006 }, /closeCode must be a whole number in 1000-1003, 1007-1014, 3000-4999/],
      [{ closeReason: 'é'.repeat(62) }, /closeReason must be text of at most 123 bytes/],
      [{ greeting: 'x'.repeat(64 * 1024 + 1) }, /greeting must be text of at most 65536 bytes/],
      [{ fragment: 0 }, /fragment must be/],
      [{ reject: 200 }, /reject must be a whole number from 400 to 599/],
      [{ acceptDelay: 700_000 }, /acceptDelay must be/],
      [{ noPong: 'yes' as never }, /noPong must be true or false, got "yes"/],
      [{ throttle: 0 }, /throttle must be/],
      [{ seed: -1 }, /seed must be/],
      [{ dropAfter: Number.NaN }, /dropAfter must be/],
      [{ resetAfter: '1' as never }, /resetAfter must be/],
    ]).map(([options, message]) => [Object.keys(options)[0], options, message] as const),
  )('refuses a bad %s (exit code 2)', async (_name, options, message) => {
    await expect(startEchoServer(options)).rejects.toMatchObject({
      name: 'EchoServerError',
      exitCode: 2,
      message: expect.stringMatching(message),
    });
  });

  it('fills in plain echo', () => {
    expect(resolveBehaviour({})).toEqual(PLAIN_BEHAVIOUR);
    expect(PLAIN_BEHAVIOUR).toEqual({ mode: 'graceful', bufferSize: 8, closeCode: 1000, pingInterval: 0 });
    expect(describeBehaviour(PLAIN_BEHAVIOUR)).toEqual({});
  });

  it('the URL overrides only what it names', () => {
    const defaults = resolveBehaviour({ mode: 'forever', delay: 100, closeAfter: 3 });
    expect(behaviourFromUrl('/x?delay=5-5&close-code=4000&other=1', defaults)).toEqual({
      behaviour: { ...defaults, delay: 5, closeCode: 4000 },
      unknown: [{ name: 'other' }], // named (the connection event's unknownParams), not refused
    });
  });
});

describe('bad flags exit 2 and name the flag and what is allowed', () => {
  it.each([
    [
      ['--delay', '10-'],
      /--delay <ms\|min-max>' argument '10-' is invalid. It must be milliseconds or a duration with a unit \(500ms, 2s\): a whole number from 0 to 600000 ms, or a range min-max of them/,
    ],
    [['--close-code', '999'], /--close-code <code>' argument '999' is invalid/],
    [
      ['--close-reason', 'x'.repeat(124)],
      /--close-reason <text>' argument 'x+' is invalid. It must be text of at most 123 bytes/,
    ],
    [['--reject', '600'], /--reject <status>' argument '600' is invalid. It must be a whole number from 400 to 599/],
    [
      ['--ping-interval', 'soon'],
      /--ping-interval <duration>' argument 'soon' is invalid. It must be seconds or a duration with a unit/,
    ],
    [['--throttle', '1e3'], /--throttle <bytes\/s>' argument '1e3' is invalid/],
    [['--mode', 'nope'], /'nope' is invalid.*one-shot, whole-message, forever, graceful/s],
  ])('%j', async (args, message) => {
    const { code, stderr, stdout } = await runCliToEnd(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('--help lists every parameter under its own heading, with its summary', async () => {
    const { code, stdout } = await runCliToEnd(['--help']);
    expect(code).toBe(0);
    const section = stdout.slice(stdout.indexOf('Per connection'));
    for (const p of BEHAVIOUR_PARAMETERS) {
      expect(section).toContain(`--${p.name}`);
      expect(section.replace(/\s+/g, ' ')).toContain(p.summary.replace(/\s+/g, ' '));
    }
  });
});

describe('the README', () => {
  it('has a row for every parameter, with its flag and option', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const p of BEHAVIOUR_PARAMETERS) {
      const row = readme
        .split('\n')
        .find((line) => line.startsWith(`| \`${p.name}${p.kind === 'flag' ? '' : '='}\` (`));
      expect(row).toContain(`\`--${p.name}\``);
      expect(row).toContain(`\`${p.option}\``);
    }
  });
});

describe('seed', () => {
  it('the same seed gives the same delays; another seed others', () => {
    const draw = (seed: number): number[] => {
      const pick = delayPicker([0, 1000], seededRandom(seed));
      return Array.from({ length: 20 }, pick);
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42).every((ms) => Number.isInteger(ms) && ms >= 0 && ms <= 1000)).toBe(true);
  });
});
