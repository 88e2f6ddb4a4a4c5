// Endings other than a close handshake: a server that drops the TCP connection is recorded and replayed as a drop.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startEchoServer, startRecorder, startReplay } from '../../src';
import { scratchFile } from './conversation';

/** Sends 'one', and resolves with what came back and how the connection ended. */
function sendOne(url: string): Promise<{ messages: string[]; code: number }> {
  const ws = new WebSocket(url);
  const messages: string[] = [];
  ws.once('open', () => ws.send('one'));
  ws.on('message', (data) => messages.push(String(data)));
  ws.on('error', () => undefined);
  return new Promise((resolve) => ws.once('close', (code) => resolve({ messages, code })));
}

describe('a recorded drop', () => {
  it('is written as a drop by the server, and replayed as one: the client sees 1006', async () => {
    const upstream = await startEchoServer({ port: 0 });
    const feed = scratchFile('drop.jsonl');
    const recorder = await startRecorder({ target: upstream.url, out: feed, port: 0 });
    let recorded;
    try {
      recorded = await sendOne(`${recorder.url}/?drop-after=1`); // the path and query reach the target
    } finally {
      await recorder.close();
      await upstream.close();
    }
    expect(recorded).toEqual({ messages: ['one'], code: 1006 });
    const last = JSON.parse(readFileSync(feed, 'utf8').trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ c: 1, event: 'drop', by: 's' });

    const replay = await startReplay({ transcript: feed, port: 0 });
    try {
      expect(await sendOne(`${replay.url}/`)).toEqual({ messages: ['one'], code: 1006 });
    } finally {
      await replay.close();
    }
  });
});
