// The recorder's own stop ends no conversation: a pair it closes gets no ending line, and replays as staying open.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startEchoServer, startRecorder, startReplay } from '../../src';
import { LogSink } from '../helpers/log-sink';
import { sleep } from '../helpers/probe';
import { scratchFile } from '../helpers/upstream/conversation';

/** Opens `url`, sends 'one' and resolves once its echo came back, with the open client. */
async function oneRoundTrip(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await once(ws, 'open');
  ws.send('one');
  expect(String((await once(ws, 'message'))[0])).toBe('one');
  return ws;
}

describe('a connection still open when the recorder stops', () => {
  it('is written with no ending line, and on replay stays open after its last message', async () => {
    const upstream = await startEchoServer({ port: 0 });
    const feed = scratchFile('stopped.jsonl');
    const sink = new LogSink();
    const recorder = await startRecorder({ target: upstream.url, out: feed, port: 0, log: sink.log });
    const client = await oneRoundTrip(`${recorder.url}/feed`);
    const closed = once(client, 'close');
    await recorder.close();
    await upstream.close();
    expect((await closed)[0]).toBe(1001); // the client is still told the recorder went away
    const lines = readFileSync(feed, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.event !== undefined).map((line) => line.event)).toEqual(['open']);
    expect(lines.at(-1)).toMatchObject({ c: 1, from: 's', text: 'one' });
    expect(await sink.next('record-end')).toMatchObject({ how: 'stopped', by: 'recorder' });

    const replay = await startReplay({ transcript: feed, port: 0 });
    try {
      const replayed = await oneRoundTrip(`${replay.url}/feed`);
      await replay.outcome(1);
      await sleep(200); // a recorded ending would close it now: none came
      expect(replayed.readyState).toBe(WebSocket.OPEN);
      replayed.close(1000);
      await once(replayed, 'close');
    } finally {
      await replay.close();
    }
  });
});
