// close-code and close-reason only shape the close that close-after starts: given without it they are refused (URL 400,
// flags exit 2, API EchoServerError).
import { EchoServerError, startEchoServer } from '../../src';
import { connect } from '../helpers/clients';
import { runCliToEnd } from '../helpers/cli';
import { perTest } from '../helpers/per-test';
import { portOf, rawUpgrade } from '../helpers/raw-http';

const { serve } = perTest();

describe('in the URL: HTTP 400 before the upgrade, naming both parameters', () => {
  it.each([
    ['/?close-code=4000', 'close-code needs close-after'],
    ['/?close-reason=bye', 'close-reason needs close-after'],
    ['/?close-code=4000&close-reason=bye', 'close-code and close-reason need close-after'],
  ])('%s', async (path, message) => {
    const server = await serve({});
    const { status, body } = await rawUpgrade(portOf(server.url), { path });
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
