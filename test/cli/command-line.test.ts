// The real CLI as a child process: listening line, logs, colors, flag errors, signals.
import net from 'node:net';
import { connect, upgradeStatus, type TestClient } from '../helpers/clients';
import { BIN, childEnv, runCliToEnd, runCommand, startCli, type CliChild } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';
import { pollUntil, stopChild } from '../helpers/probe';
import { openRawClient } from '../helpers/wire/raw-client';
import { portOf } from '../helpers/wire/raw-http';

const { cliServer: serve, defer } = perTest();

/** Starts the CLI with exactly `args` (no `--port 0` added); stopped after the test. */
function cliChild(args: string[], env?: NodeJS.ProcessEnv): CliChild {
  const cli = startCli(args, { env });
  defer(() => stopChild(cli.child));
  return cli;
}

/** Sends `signal` to the CLI and resolves with its exit code. */
async function stop(cli: CliChild, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  cli.child.kill(signal);
  return (await cli.exited).code;
}

const ANSI = /\x1b\[\d+m/;

describe('listening line', () => {
  it('prints the URL with the real port and the mode', async () => {
    const cli = await serve(['--mode', 'forever']);
    expect(cli.stdout()).toMatch(/^ws-echo listening on ws:\/\/127\.0\.0\.1:([1-9]\d*) \(mode: forever\)$/m);
    expect(cli.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('with --path, shows the path in the URL', async () => {
    const cli = await serve(['--path', '/echo']);
    expect(cli.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/echo$/);
  });

  it('takes the port from $PORT when --port is absent', async () => {
    const port = await freePort();
    const cli = cliChild([], childEnv({ PORT: String(port) }));
    await cli.waitFor(new RegExp(`listening on ws://127\\.0\\.0\\.1:${port} `));
  });

  it('binds the interface in $HOST when --host is absent, and --host wins over it', async () => {
    const fromEnv = cliChild(['--port', '0'], childEnv({ HOST: '127.0.0.2' }));
    const [, url] = await fromEnv.waitFor(/listening on (ws:\/\/127\.0\.0\.2:\d+) /);
    const client = await connect(url);
    client.ws.send('via 127.0.0.2');
    expect((await client.nextMessages(1))[0].data.toString()).toBe('via 127.0.0.2');
    client.ws.terminate();
    const fromFlag = cliChild(['--port', '0', '--host', '127.0.0.3'], childEnv({ HOST: '127.0.0.2' }));
    await fromFlag.waitFor(/listening on ws:\/\/127\.0\.0\.3:\d+ /);
  });
});

describe('logs', () => {
  it('logs a connection, a message with a preview, and the close, one line each', async () => {
    const cli = await serve();
    const client = await connect(cli.url + '/chat');
    client.ws.send('hello there');
    client.ws.send(Buffer.from([1, 2, 3]));
    await client.nextMessages(2);
    client.ws.close(1000, 'done');
    await client.closed;
    await cli.waitFor(/closed/);
    const lines = cli.stdout().trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/listening/),
      expect.stringMatching(/^#1 connected from 127\.0\.0\.1:\d+ path \/chat$/),
      '#1 text 11 B "hello there"',
      '#1 binary 3 B <01 02 03>',
      expect.stringMatching(/^#1 closed 1000 "done" clean, client first, \d.*, 2 messages$/),
    ]);
    expect(cli.stderr()).toBe('');
  });

  it('with --quiet prints only the listening line and the shutdown summary', async () => {
    const cli = await serve(['--quiet']);
    const client = await connect(cli.url);
    client.ws.send('hello');
    await client.nextMessages(1);
    client.ws.close();
    await client.closed;
    expect(await stop(cli)).toBe(0);
    expect(cli.stdout().trim().split('\n')).toEqual([
      expect.stringMatching(/^ws-echo listening on ws:\/\/.* \(mode: graceful\)$/),
      expect.stringMatching(/^summary: 1 connection, 0 rejected, 1 message, 5 B in, 5 B out, 0 protocol errors, up /),
    ]);
  });

  it('with --json prints JSON lines, the first a listening event with URL and port', async () => {
    const cli = cliChild(['--json', '--port', '0', '--mode', 'whole-message']);
    await cli.waitFor(/"event":"listening"/);
    const first = JSON.parse(cli.stdout().split('\n')[0]);
    expect(first).toMatchObject({ event: 'listening', host: '127.0.0.1', mode: 'whole-message', tls: false });
    expect(first.url).toBe(`ws://127.0.0.1:${first.port}`);
    const client = await connect(first.url);
    client.ws.send('x'.repeat(100));
    await client.closed;
    await cli.waitFor(/"event":"close"/);
    const events = cli
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.event)).toEqual(['listening', 'connection', 'message', 'close']);
    expect(events[2]).toMatchObject({ id: 1, type: 'text', size: 100, preview: 'x'.repeat(80), truncated: true });
    expect(events[3]).toMatchObject({
      id: 1,
      code: 1006,
      clean: false,
      initiator: 'server',
      cause: 'first message echoed',
      messages: 1,
    });
    for (const event of events) expect(typeof event.time).toBe('string');
  });

  it.each([
    ['FORCE_COLOR=1', { FORCE_COLOR: '1' }, [], true],
    ['NO_COLOR=1', { NO_COLOR: '1' }, [], false],
    ['FORCE_COLOR=1 with --no-color', { FORCE_COLOR: '1' }, ['--no-color'], false],
    ['a pipe and no variables', {}, [], false],
  ])('colors with %s: %s', async (_name, env, args, colored) => {
    const cli = await serve(args as string[], { env: childEnv(env) });
    expect(ANSI.test(cli.stdout())).toBe(colored);
  });
});

describe('bad flags exit 2 and say what is valid', () => {
  it.each([
    [['--mode', 'nope'], /--mode.*'nope' is invalid.*one-shot, whole-message, forever, graceful/s],
    [['--port', 'abc'], /--port.*'abc' is invalid.*whole number from 0 to 65535/s],
    [['--port', '70000'], /--port.*'70000' is invalid.*whole number from 0 to 65535/s],
    [['--buffer-size', '-1'], /--buffer-size.*whole number/s],
    [['--buffer-size', '0'], /--buffer-size.*'0' is invalid.*from 1/s],
    [['--max-payload', '1.5'], /--max-payload.*whole number/s],
    [['--idle-timeout', 'soon'], /--idle-timeout.*a number from 0/s],
    [['--path', 'echo'], /--path.*must start with "\/"/s],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['--origin', '--port', '0'], /--origin.*'--port' is invalid.*an origin like https:\/\/example\.com/s],
    [['--origin', 'https://example.com/app'], /--origin.*with no path/s],
    [['--cert', 'cert.pem'], /--cert and --key must be given together/],
  ])('%j', async (args, message) => {
    const { code, stderr, stdout } = await runCliToEnd(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/ws-echo --help/);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(stdout).toBe('');
  });

  it('names $PORT when the bad value comes from the environment', async () => {
    const { code, stderr } = await runCliToEnd([], childEnv({ PORT: 'eighty' }));
    expect(code).toBe(2);
    expect(stderr).toMatch(/'eighty' from env 'PORT' is invalid/);
  });
});

describe('help and version', () => {
  it('--help lists every flag with its default, the modes, examples and exit codes', async () => {
    const { code, stdout } = await runCliToEnd(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--mode',
      '--port',
      '--host',
      '--path',
      '--buffer-size',
      '--max-payload',
      '--max-connections',
      '--idle-timeout',
      '--ping-interval',
      '--handshake-timeout',
      '--origin',
      '--cert',
      '--key',
      '--quiet',
      '--json',
      '--no-color',
      '--version',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toMatch(/default: "graceful"/);
    expect(stdout).toMatch(/default:\s+8080, env: PORT/);
    expect(stdout).toMatch(/Examples:/);
    expect(stdout).toMatch(/Exit codes:/);
  });

  it('--version prints the package version, then that ws masks with the bufferutil addon', async () => {
    const { code, stdout } = await runCliToEnd(['--version']);
    expect(code).toBe(0);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(stdout.trim()).toBe(`${require('../../package.json').version} (bufferutil: native)`);
  });

  it('--version says "bufferutil: javascript" when WS_NO_BUFFER_UTIL turns it off', async () => {
    const { stdout } = await runCliToEnd(['--version'], childEnv({ WS_NO_BUFFER_UTIL: '1' }));
    expect(stdout).toMatch(/^\S+ \(bufferutil: javascript\)\n$/);
  });
});

describe('hard edges', () => {
  it('an empty --host binds every interface: the URL shows the address bound, and a warning says so', async () => {
    const cli = await serve(['--host', '']);
    expect(cli.url).toMatch(/^ws:\/\/(0\.0\.0\.0|\[::\]):\d+$/);
    await pollUntil(
      () => cli.stderr(),
      (text) => text.includes('warning'),
    );
    expect(cli.stderr()).toMatch(/^warning: listening on all interfaces \((0\.0\.0\.0|::)\)/m);
  });

  it('--help into a pipe whose reader is gone exits 0 with no stack trace (EPIPE)', async () => {
    const closedPipe =
      'import os, subprocess, sys\n' +
      'r, w = os.pipe(); os.close(r)\n' +
      'done = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)\n' +
      'print(done.returncode); sys.stdout.write(done.stderr.decode())';
    const { stdout } = await runCommand('python3', ['-c', closedPipe, process.execPath, BIN, '--help']);
    expect(stdout).toBe('0\n');
  });

  it('past the open-file limit, upgrades get 503 and a log line instead of a silent hang-up', async () => {
    const withFdLimit = ['bash', '-c', 'ulimit -n 80 && exec "$0" "$@"', process.execPath, BIN];
    const cli = startCli(['--port', '0'], { command: withFdLimit });
    defer(() => stopChild(cli.child));
    const [, url] = await cli.waitFor(/listening on (ws:\/\/\S+)/);
    await pollUntil(
      () => cli.stderr(),
      (text) => text.includes('open-file limit'),
    );
    expect(cli.stderr()).toMatch(
      /^warning: the open-file limit \(ulimit -n 80\) allows 32 connections; more get HTTP 503$/m,
    );
    const clients: TestClient[] = [];
    for (let i = 0; i < 32; i++) clients.push(await connect(url));
    defer(() => clients.forEach((c) => c.ws.terminate()));
    expect(await upgradeStatus(url)).toBe(503);
    await cli.waitFor(/rejected .*: 503 open-file limit reached \(ulimit -n 80\)/);
    for (const c of clients) c.ws.send('still here');
    for (const c of clients) expect((await c.nextMessages(1))[0].data.toString()).toBe('still here');
  });
});

describe('runtime failures exit 1 without a stack trace', () => {
  it('says the port is in use and suggests --port 0', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const { code, stderr } = await runCliToEnd(['--port', String(port)]);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `error: port ${port} is already in use on 127.0.0.1; choose another with --port, or --port 0 for a free one\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it('says when the host is not an address of this machine', async () => {
    const { code, stderr } = await runCliToEnd(['--port', '0', '--host', '192.0.2.1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: cannot listen on 192\.0\.2\.1: no such address on this machine/);
  });
});

describe('signals', () => {
  it('SIGTERM: graceful clients get 1001, a summary is printed, exit 0', async () => {
    const cli = await serve();
    const client = await connect(cli.url);
    client.ws.send('one');
    await client.nextMessages(1);
    expect(await stop(cli, 'SIGTERM')).toBe(0);
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(cli.stdout()).toMatch(/shutting down \(SIGTERM\), closing 1 connection/);
    expect(cli.stdout()).toMatch(
      /^summary: 1 connection, 0 rejected, 1 message, 3 B in, 3 B out, 0 protocol errors, up .*$/m,
    );
  });

  it('SIGINT in forever mode drops clients (1006) and exits 0', async () => {
    const cli = await serve(['--mode', 'forever']);
    const client = await connect(cli.url);
    expect(await stop(cli, 'SIGINT')).toBe(0);
    expect((await client.closed).code).toBe(1006);
  });

  it('a second signal exits at once while the first waits for close handshakes', async () => {
    const cli = await serve();
    // A raw client that completes the handshake and then never answers the close frame.
    const raw = await openRawClient(portOf(cli.url));
    defer(() => raw.destroy());
    await cli.waitFor(/connected/);
    cli.child.kill('SIGTERM');
    await cli.waitFor(/shutting down/);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(143);
    raw.destroy();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
