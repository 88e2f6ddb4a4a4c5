// A target that refuses or cannot be reached: the client gets that status (or 502), and nothing is recorded.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startEchoServer, startRecorder } from '../../src';
import { scratchFile } from '../helpers/upstream/conversation';

/** The HTTP status a client's upgrade got instead of a 101. */
function refusedWith(url: string): Promise<number> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined);
  return new Promise((resolve) =>
    ws.once('unexpected-response', (_request, response) => resolve(response.statusCode!)),
  );
}

describe('a recording whose target does not take the client', () => {
  it("passes a refusal's status on, and answers 502 when the target cannot be reached", async () => {
    const refusing = await startEchoServer({ port: 0, reject: 503 });
    const gone = await startEchoServer({ port: 0 });
    await gone.close(); // its port is free again: nothing answers there
    const out = scratchFile('refused.jsonl');
    const recorder = await startRecorder({ target: refusing.url, out, port: 0 });
    const unreachable = await startRecorder({ target: gone.url, out: scratchFile('gone.jsonl'), port: 0 });
    try {
      expect(await refusedWith(`${recorder.url}/chat`)).toBe(503);
      expect(await refusedWith(`${unreachable.url}/chat`)).toBe(502);
    } finally {
      await recorder.close();
      await unreachable.close();
      await refusing.close();
    }
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1); // the header only
  });
});
