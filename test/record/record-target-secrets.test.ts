// The target's URL in a recording: its query reaches the target merged with the client's, and its userinfo and
// query values, like secret request headers, never reach the transcript or the log.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import WebSocket, { WebSocketServer } from 'ws';
import { startRecorder } from '../../src';
import { scratchFile } from '../helpers/upstream/conversation';
import { LogSink } from '../helpers/log-sink';

describe('a recording of a target with a query and a password', () => {
  it("sends the target's query first and the client's after it, and writes neither secret", async () => {
    const seen: string[] = [];
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('connection', (_ws, req) => seen.push(req.url ?? ''));
    await once(wss, 'listening');
    const port = (wss.address() as { port: number }).port;
    const out = scratchFile('secrets.jsonl');
    const sink = new LogSink();
    const target = `ws://user:hunter2@127.0.0.1:${port}/base?token=SECRET`;
    const recorder = await startRecorder({ target, out, port: 0, log: sink.log });
    const headers = {
      'Proxy-Authorization': 'Basic c2VjcmV0',
      'X-Api-Key': 'SECRET',
      'X-Auth-Token': 'SECRET',
      'X-Session-Secret': 'SECRET',
      'X-Plain': 'shown',
    };
    const ws = new WebSocket(`${recorder.url}/x?y=1`, { headers });
    try {
      await once(ws, 'open');
      ws.close();
      await once(ws, 'close');
    } finally {
      await recorder.close();
      wss.close();
    }
    expect(seen).toEqual(['/base/x?token=SECRET&y=1']);
    const text = readFileSync(out, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0].target).toBe(`ws://[redacted]@127.0.0.1:${port}/base?token=[redacted]`);
    expect(lines[1].headers).toMatchObject({
      'proxy-authorization': '[redacted]',
      'x-api-key': '[redacted]',
      'x-auth-token': '[redacted]',
      'x-session-secret': '[redacted]',
      'x-plain': 'shown',
      'sec-websocket-version': '13',
    });
    expect(lines[1].path).toBe('/x?y=1');
    for (const secret of ['hunter2', 'SECRET', 'c2VjcmV0']) {
      expect(text).not.toContain(secret);
      expect(sink.text()).not.toContain(secret);
    }
  });
});
