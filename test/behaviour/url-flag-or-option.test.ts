// Every per-connection behaviour chosen three ways: in the URL, as a CLI flag, as a startEchoServer() option; the URL
// overrides the flag.
import { BEHAVIOUR_PARAMETERS } from '../../src/behaviour/parameters';
import { BEHAVIOUR_CASES, destroyRawClients, flagsOf, queryOf, rawTo } from '../helpers/behaviour-checks';
import { connect, upgradeStatus } from '../helpers/clients';
import { Opcode } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { within } from '../helpers/probe';
import { expectFrame } from '../helpers/wire/raw-client';

afterEach(destroyRawClients); // before perTest's: raw clients go first, so closing the server need not wait for them
const { serve, cliServer } = perTest();

/**
 * Parameters whose case checks them (seed's case also uses delay; close-code and close-reason ride on close-after's).
 */
const CASE_OF: Record<string, string> = { 'close-code': 'close-after', 'close-reason': 'close-after' };
const caseNames = BEHAVIOUR_PARAMETERS.map((p) => p.name).filter((name) => !(name in CASE_OF));

describe('every parameter has a case', () => {
  it('the table and the cases agree', () => {
    for (const p of BEHAVIOUR_PARAMETERS) expect(BEHAVIOUR_CASES[CASE_OF[p.name] ?? p.name]).toBeDefined();
    for (const p of ['close-code', 'close-reason'])
      expect(Object.keys(BEHAVIOUR_CASES['close-after'].params)).toContain(p);
  });
});

describe.each(caseNames)('%s', (name) => {
  const { params, options, check } = BEHAVIOUR_CASES[name];

  it('from the URL, on a plain server', async () => {
    const server = await serve();
    await check(`${server.url}/${queryOf(params)}`);
  });

  it('from the API, for every connection', async () => {
    const server = await serve(options);
    await check(`${server.url}/`);
  });

  it('from the CLI, for every connection', async () => {
    const cli = await cliServer(['--quiet', ...flagsOf(params)]);
    await check(`${cli.url}/`);
  });
});

describe('the URL overrides the flags', () => {
  it('?delay=0 on a --delay 20000 server echoes at once; a plain URL waits', async () => {
    const cli = await cliServer(['--quiet', '--delay', '20000']);
    const quick = await connect(`${cli.url}/?delay=0`);
    quick.ws.send('now');
    expect((await within(quick.nextMessages(1), 10_000, 'the URL did not override --delay'))[0].data.toString()).toBe(
      'now',
    );
    const slow = await connect(`${cli.url}/`);
    slow.ws.send('later');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slow.received).toEqual([]);
  });

  it('?mode=graceful on a --mode forever server completes the close handshake', async () => {
    const cli = await cliServer(['--quiet', '--mode', 'forever']);
    const graceful = await connect(`${cli.url}/?mode=graceful`);
    graceful.ws.close(4000, 'bye');
    expect(await graceful.closed).toEqual({ code: 4000, reason: 'bye' });
    const forever = await connect(`${cli.url}/`);
    forever.ws.close(4000, 'bye');
    expect((await forever.closed).code).toBe(1006);
  });

  it('?no-pong=0 answers pings on a --no-pong server', async () => {
    const cli = await cliServer(['--quiet', '--no-pong']);
    const answered = await rawTo(`${cli.url}/?no-pong=0`);
    await answered.sendFrame({ opcode: Opcode.ping, payload: 'hi' });
    expectFrame(await answered.nextFrame(), Opcode.pong, 'hi');
    const unanswered = await rawTo(`${cli.url}/`);
    await unanswered.sendFrames([
      { opcode: Opcode.ping, payload: 'hi' },
      { opcode: Opcode.text, payload: 'echo' },
    ]);
    expectFrame(await unanswered.nextFrame(), Opcode.text, 'echo');
  });

  it('?reject=401 on a --reject 503 server gets 401', async () => {
    const cli = await cliServer(['--quiet', '--reject', '503']);
    expect(await upgradeStatus(`${cli.url}/`)).toBe(503);
    expect(await upgradeStatus(`${cli.url}/?reject=401`)).toBe(401);
  });
});

describe('--path matches the path without the query', () => {
  it('/echo?delay=0&token=x is served on --path /echo; /other?x is 404', async () => {
    const server = await serve({ path: '/echo' });
    expect(await upgradeStatus(`${server.url}?delay=0&token=x`)).toBe(101);
    expect(await upgradeStatus(server.url.replace('/echo', '/other?delay=0'))).toBe(404);
  });
});
