// What `ws-echo record` logs (--json, --quiet, pretty lines) and what recorder.stats() counts, for one conversation.
import type { ChildProcess } from 'node:child_process';
import { startRecorder } from '../../src';
import { stopChild, waitUntil } from '../helpers/probe';
import { startCli } from '../helpers/processes/cli';
import { jsonLines } from '../helpers/processes/json-cli';
import { runClient, scratchFile, startUpstream } from '../helpers/upstream/conversation';

/** What the client of conversation.ts sends (a hello and 2 bytes) and upstream.py answers (4 messages). */
const HELLO = JSON.stringify({ op: 'hello', id: 7 });
const FROM_CLIENT = { messagesFromClient: 2, bytesFromClient: HELLO.length + 2 };
const FROM_SERVER = { messagesFromServer: 4 };

/** Runs `ws-echo record` with `flags`, one conversation through it, then SIGTERM; resolves with what it printed. */
async function recordOnce(target: string, flags: string[]): Promise<{ stdout: string; stderr: string }> {
  const cli = startCli(['record', '--target', target, '--out', scratchFile('logs.jsonl'), '--port', '0', ...flags]);
  try {
    const [, pretty, json] = await cli.waitFor(/listening on (ws:\/\/[^\s",]+)|"url":"(ws:\/\/[^"]+)"/);
    await runClient(`${pretty ?? json}/feed`);
    await waitUntil(() => /record-end|ended: /.test(cli.stdout()) || flags.includes('--quiet'));
  } finally {
    await stopChild(cli.child);
  }
  return { stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('the recorder’s logs and counters', () => {
  let upstream: { url: string; child: ChildProcess };
  beforeAll(async () => (upstream = await startUpstream()));
  afterAll(() => upstream?.child.kill());

  it('logs JSON lines with --json: recording, the connection, how it ended with what passed each way, the summary', async () => {
    const { stdout } = await recordOnce(upstream.url, ['--json']);
    const events = jsonLines(stdout).map(({ time: _time, ...event }) => event);
    expect(events.map(({ event }) => event)).toEqual([
      'recording',
      'connection',
      'record-end',
      'shutdown',
      'record-summary',
    ]);
    expect(events[0]).toMatchObject({ host: '127.0.0.1', tls: false, target: `${upstream.url}/` });
    expect(events[1]).toMatchObject({ id: 1, path: '/feed', protocol: 'v2.chat', remote: expect.any(String) });
    expect(events[2]).toMatchObject({
      id: 1,
      how: 'close',
      by: 'server',
      code: 4001,
      reason: 'conversation over',
      ...FROM_CLIENT,
      ...FROM_SERVER,
    });
    expect(events[4]).toMatchObject({ connections: 1, refused: 0, lines: 9, ...FROM_CLIENT, ...FROM_SERVER });
  });

  it('prints only the recording line and the summary with --quiet, and readable lines by default', async () => {
    const quiet = await recordOnce(upstream.url, ['--quiet', '--json']);
    expect(jsonLines(quiet.stdout).map(({ event }) => event)).toEqual(['recording', 'record-summary']);
    const pretty = await recordOnce(upstream.url, []);
    expect(pretty.stdout).toMatch(/^ws-echo recording ws:\/\/127\.0\.0\.1:\d+\/ to ".*logs\.jsonl", listening on ws:/m);
    expect(pretty.stdout).toMatch(
      /^#1 connected from 127\.0\.0\.1:\d+ path \/feed, protocol "v2\.chat", permessage-deflate$/m,
    );
    expect(pretty.stdout).toMatch(
      /^#1 ended: close 4001 "conversation over" by the server, \d+ ms, from the client 2 messages 23 B, from the server 4 messages \d+ B$/m,
    );
    expect(pretty.stdout).toMatch(/^summary: 1 connection recorded, 0 refused, .*, 9 lines written, up /m);
  });

  it('counts connections, messages and bytes each way, and the lines written and waiting, in stats()', async () => {
    const recorder = await startRecorder({ target: upstream.url, out: scratchFile('stats.jsonl'), port: 0 });
    try {
      const running = runClient(`${recorder.url}/feed`);
      await waitUntil(() => recorder.stats().connections === 1);
      await running;
      await waitUntil(() => recorder.stats().connections === 0 && recorder.stats().linesWaiting === 0);
      expect(recorder.stats()).toMatchObject({
        connections: 0,
        connectionsTotal: 1,
        refused: 0,
        ...FROM_CLIENT,
        ...FROM_SERVER,
        bytesFromServer: expect.any(Number),
        linesWritten: 9,
        linesWaiting: 0,
      });
    } finally {
      await recorder.close();
    }
  });
});
