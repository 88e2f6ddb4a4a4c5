// Endings other than a close handshake: a server's drop or reset is recorded as such and replayed as such.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startEchoServer, startRecorder, startReplay } from '../../src';
import { scratchFile } from '../helpers/upstream/conversation';

/** What a client saw: the messages, the close code, and whether its TCP socket was reset. */
interface Ending {
  messages: string[];
  code: number;
  reset: boolean;
}

/** Sends 'one', and resolves with what came back and how the connection ended. */
function sendOne(url: string): Promise<Ending> {
  const ws = new WebSocket(url);
  const seen: Ending = { messages: [], code: 0, reset: false };
  ws.once('open', () => ws.send('one'));
  ws.once('upgrade', (response) =>
    response.socket.on('error', (error: NodeJS.ErrnoException) => (seen.reset ||= error.code === 'ECONNRESET')),
  );
  ws.on('message', (data) => seen.messages.push(String(data)));
  ws.on('error', () => undefined);
  return new Promise((resolve) => ws.once('close', (code) => resolve({ ...seen, code })));
}

describe.each([
  ['drop', 'drop-after=1', false],
  ['reset', 'reset-after=1', true],
])('a recorded %s', (event, fault, reset) => {
  it(`is written as a ${event} by the server, and replayed as one: the client sees 1006`, async () => {
    const upstream = await startEchoServer({ port: 0 });
    const feed = scratchFile(`${event}.jsonl`);
    const recorder = await startRecorder({ target: upstream.url, out: feed, port: 0 });
    let recorded: Ending;
    try {
      recorded = await sendOne(`${recorder.url}/?${fault}`); // the path and query reach the target
    } finally {
      await recorder.close();
      await upstream.close();
    }
    expect(recorded).toEqual({ messages: ['one'], code: 1006, reset }); // passed on as it came
    const last = JSON.parse(readFileSync(feed, 'utf8').trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ c: 1, event, by: 's' });

    const replay = await startReplay({ transcript: feed, port: 0 });
    try {
      expect(await sendOne(`${replay.url}/`)).toEqual({ messages: ['one'], code: 1006, reset });
    } finally {
      await replay.close();
    }
  });
});
