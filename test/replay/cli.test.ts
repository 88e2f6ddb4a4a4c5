// `ws-echo record` and `ws-echo replay` as a user runs them: a recording through the CLI replays, a mismatch is logged.
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { runCliToEnd, startCli, type CliChild } from '../helpers/processes/cli';
import { runClient, scratchFile, startUpstream } from '../helpers/upstream/conversation';

/** Stops a CLI child with SIGTERM and resolves with its exit code. */
async function stop(cli: CliChild): Promise<number | null> {
  cli.child.kill('SIGTERM');
  return (await cli.exited).code;
}

describe('ws-echo record and ws-echo replay', () => {
  let upstream: { url: string; child: ChildProcess };
  beforeAll(async () => (upstream = await startUpstream()));
  afterAll(() => upstream?.child.kill());

  it('records through the CLI (a header redacted by flag), and replays the file to the same client and a mismatch with its diff', async () => {
    const feed = scratchFile('cli.jsonl');
    const recorder = startCli([
      'record',
      '--target',
      upstream.url,
      '--out',
      feed,
      '--port',
      '0',
      '--redact-header',
      'X-Trace',
    ]);
    const [, recorderUrl] = await recorder.waitFor(/listening on (ws:\/\/\S+)/);
    const recorded = await runClient(`${recorderUrl}/feed`);
    expect(await stop(recorder)).toBe(0);
    const [header, open] = readFileSync(feed, 'utf8').split('\n');
    expect(header).toContain('"ws-echo":"transcript","version":1');
    expect(JSON.parse(open).headers).toMatchObject({ 'x-trace': '[redacted]', authorization: '[redacted]' });

    const strayLine =
      readFileSync(feed, 'utf8')
        .split('\n')
        .findIndex((line) => line.includes('"from":"c"')) + 1;
    const replay = startCli(['replay', feed, '--port', '0', '--replay-speed', 'max']);
    try {
      const [, url] = await replay.waitFor(/listening on (ws:\/\/\S+)/);
      const replayed = await runClient(`${url}/feed`);
      expect(replayed.messages.map(({ data, isBinary }) => [data, isBinary])).toEqual(
        recorded.messages.map(({ data, isBinary }) => [data, isBinary]),
      );
      expect(replayed.close).toEqual({ code: 4001, reason: 'conversation over' });
      const stray = new WebSocket(`${url}/feed`);
      stray.once('open', () => stray.send('hi'));
      const [code] = await new Promise<[number]>((resolve) => stray.once('close', (closeCode) => resolve([closeCode])));
      expect(code).toBe(4400);
    } finally {
      await stop(replay);
    }
    expect(replay.stderr()).toContain(
      `warning: #2 replay mismatch at ${feed}:${strayLine} (step 1):\n` +
        '  expected: text "{\\"op\\":\\"hello\\",\\"id\\":7}" (match: exact)\n' +
        '  came:     text "hi"\n',
    );
  });

  it('refuses a bad --replay-speed, and --workers, with exit 2, naming them', async () => {
    const feed = scratchFile('none.jsonl');
    const result = await runCliToEnd(['replay', feed, '--replay-speed', 'fast']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--replay-speed must be a decimal number above 0 (such as 2 or 0.5) or \'max\', got "fast"',
    );
    const workers = await runCliToEnd(['replay', feed, '--workers', '2']);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toContain('ws-echo replay runs in one process: drop --workers');
  });
});
