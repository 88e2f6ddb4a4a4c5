// --stats: a status line on a real terminal that never breaks log lines, a stats event with --json, a plain line into a
// pipe.
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { LineWriter } from '../../src/log/output';
import { BIN, childEnv, runCliToEnd, startCli } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';
import { pollUntil, stopChild } from '../helpers/probe';
import { descendantRunning } from '../helpers/processes/descendants';

const { cliServer, client, defer } = perTest();

/**
 * What a terminal shows after `output`: carriage return, newline and "erase line" (ESC[2K)
 * act as on a terminal, other characters overwrite. Returns the screen's lines.
 */
function screenOf(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < output.length; i++) {
    const char = output[i];
    if (output.startsWith('\x1b[2K', i)) {
      lines[row] = '';
      i += 3;
    } else if (char === '\r') col = 0;
    else if (char === '\n') {
      row++;
      col = 0;
      lines[row] ??= '';
    } else {
      lines[row] = lines[row].padEnd(col).slice(0, col) + char + lines[row].slice(col + 1);
      col++;
    }
  }
  return lines;
}

/** A writable that keeps all that is written, with a terminal's `columns`. */
function capture(columns?: number): PassThrough & { text: () => string } {
  const stream = Object.assign(new PassThrough(), { columns });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return Object.assign(stream, { text: () => text });
}

describe('the status line in the line writer', () => {
  it('stays under the log lines: each batch clears it, writes its lines, draws it again', async () => {
    const out = capture();
    const writer = new LineWriter(out, (n) => `${n} dropped`);
    writer.setStatus('status 1');
    await writer.flush(100);
    writer.write('line a');
    writer.write('line b');
    await writer.flush(100);
    writer.setStatus('status 2');
    await writer.flush(100);
    expect(screenOf(out.text())).toEqual(['line a', 'line b', 'status 2']);
    writer.setStatus(undefined);
    writer.write('line c');
    await writer.flush(100);
    expect(screenOf(out.text())).toEqual(['line a', 'line b', 'line c', '']);
  });

  it('is cut to the terminal width so it never wraps', async () => {
    const out = capture(20);
    const writer = new LineWriter(out, (n) => `${n} dropped`);
    writer.setStatus('x'.repeat(50));
    await writer.flush(100);
    expect(screenOf(out.text())).toEqual(['x'.repeat(19)]);
  });

  it('is hidden before another stream (stderr) writes, and drawn again after', async () => {
    const terminal = capture();
    const stdout = new LineWriter(terminal, (n) => `${n} dropped`);
    const stderr = new LineWriter(terminal, (n) => `${n} dropped`);
    stderr.beforeWrite = () => stdout.hideStatus();
    stdout.setStatus('status');
    await stdout.flush(100);
    stderr.write('warning: something');
    await stderr.flush(100);
    await stdout.flush(100);
    expect(screenOf(terminal.text())).toEqual(['warning: something', 'status']);
  });
});

describe('ws-echo --stats', () => {
  it('--help lists --stats and --no-metrics', async () => {
    const { code, stdout } = await runCliToEnd(['--help']);
    expect(code).toBe(0);
    const help = stdout.replace(/\s+/g, ' '); // --help wraps descriptions at 80 columns
    expect(help).toContain(' --stats a status line each second');
    expect(help).toContain(' --no-metrics do not serve Prometheus metrics at GET /metrics');
    expect(stdout).toMatch(/^\s+GET \/metrics\s+Prometheus metrics/m);
    expect(stdout).toMatch(/^\s+GET \/\s+in a browser: a console/m);
  });

  it('is off by default: no stats line', async () => {
    const cli = await cliServer([]);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(cli.stdout()).not.toMatch(/stats/);
  });

  it('into a pipe: one plain line per second, with rates and totals that follow traffic', async () => {
    const cli = await cliServer(['--stats']);
    const ws = await client(cli.url);
    for (let i = 0; i < 10; i++) ws.ws.send('0123456789');
    await ws.nextMessages(10);
    const line = await pollUntil(
      () =>
        cli
          .stdout()
          .split('\n')
          .find((l) => l.includes('total 10 in 100 B')),
      (found) => found !== undefined,
    );
    expect(line).toMatch(
      /^stats: 1 open \(1 total\) · in [\d.,]+ msg\/s \d+ B\/s · out [\d.,]+ msg\/s \d+ B\/s · total 10 in 100 B, 10 out 100 B · 0 log lines dropped$/,
    );
    // The interval in which the messages came shows a rate above zero.
    expect(Number(line!.match(/in ([\d.]+) msg\/s/)![1])).toBeGreaterThan(0);
    expect(cli.stdout()).not.toMatch(/\x1b/); // no terminal control codes into a pipe
  });

  it('with --json: a stats event each second; with --quiet too, nothing else but the listening line', async () => {
    const cli = startCli(['--port', '0', '--stats', '--json', '--quiet']);
    defer(() => stopChild(cli.child));
    const [, url] = await cli.waitFor(/"url":"(ws:\/\/[^"]+)"/);
    const ws = await client(url);
    ws.ws.send(Buffer.alloc(1000));
    await ws.nextMessages(1);
    const events = await pollUntil(
      () =>
        cli
          .stdout()
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      (all) =>
        all.some((e) => e.event === 'stats' && e.messagesReceived === 1) &&
        all.filter((e) => e.event === 'stats').length >= 2,
    );
    expect(new Set(events.map((e) => e.event))).toEqual(new Set(['listening', 'stats']));
    const stats = events.find((e) => e.event === 'stats' && e.messagesReceived === 1)!;
    expect(stats).toEqual({
      event: 'stats',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      connections: 1,
      connectionsTotal: 1,
      messagesInPerSecond: expect.any(Number),
      messagesOutPerSecond: expect.any(Number),
      bytesInPerSecond: expect.any(Number),
      bytesOutPerSecond: expect.any(Number),
      messagesReceived: 1,
      messagesEchoed: 1,
      bytesReceived: 1000,
      bytesEchoed: 1000,
      logLinesDropped: 0,
      uptimeMs: expect.any(Number),
    });
    expect(stats.bytesInPerSecond).toBeGreaterThan(0);
  });

  it('on a real terminal: a status line under the logs that no log line is written into, removed at shutdown', async () => {
    const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, BIN, '--port', '0', '--stats'].map(quote).join(' ');
    // util-linux `script` gives the CLI a real pty.
    const script = spawn('script', ['-qfec', command, '/dev/null'], {
      env: childEnv({ NO_COLOR: '1', SHELL: '/bin/sh' }),
      stdio: 'pipe',
    });
    defer(() => stopChild(script));
    let output = '';
    script.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    script.stderr.resume();
    const url = (await pollUntil(
      () => output.match(/listening on (ws:\/\/[^\s\x1b]+)/)?.[1],
      (found) => found !== undefined,
    ))!;
    await pollUntil(
      () => output,
      (text) => text.includes('stats: 0 open'),
    );
    // Log lines while the status line is on screen.
    const ws = await client(url);
    for (let i = 0; i < 5; i++) ws.ws.send(`message ${i}`);
    await ws.nextMessages(5);
    await pollUntil(
      () => output,
      (text) => text.includes('total 5 in'),
    );
    ws.ws.close(1000);
    await ws.closed;
    await pollUntil(
      () => output,
      (text) => text.includes('closed 1000'),
    );
    await pollUntil(
      () => output,
      (text) => /stats: 0 open \(1 total\)/.test(text),
    );
    const exited = new Promise((resolve) => script.once('exit', resolve));
    process.kill(descendantRunning(script.pid, BIN), 'SIGTERM');
    await exited; // script ends when the CLI has, after it read all the CLI printed

    expect(output).toContain('\x1b[2K'); // the status line was really drawn and cleared
    const screen = screenOf(output).filter((line) => line !== '');
    // Every line on screen is one whole log line: none has the status line in it, and it is gone at the end.
    expect(screen).toEqual([
      expect.stringMatching(/^ws-echo listening on ws:\/\/127\.0\.0\.1:\d+ \(mode: graceful\)$/),
      expect.stringMatching(/^#1 connected from 127\.0\.0\.1:\d+ path \/$/),
      ...[0, 1, 2, 3, 4].map((i) => `#1 text 9 B "message ${i}"`),
      expect.stringMatching(/^#1 closed 1000 clean, client first, .*, 5 messages$/),
      'shutting down (SIGTERM), closing 0 connections',
      expect.stringMatching(
        /^summary: 1 connection, 0 rejected, 5 messages, 45 B in, 45 B out, 0 protocol errors, up /,
      ),
    ]);
  });
});
