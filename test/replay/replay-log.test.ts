// What `ws-echo replay` logs: the transcript it plays and how many connections it scripts, and in its summary the
// bytes the script sent (the server itself counts only echoes).
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startCli } from '../helpers/processes/cli';
import { scratchFile } from '../helpers/upstream/conversation';

const FEED = [
  { 'ws-echo': 'transcript', version: 1 },
  { c: 1, event: 'open', path: '/feed' },
  { c: 1, from: 's', t: 0, text: 'welcome' },
  { c: 1, from: 'c', t: 1, text: 'hello' },
  { c: 1, from: 's', t: 2, text: 'hello back' },
  { c: 1, event: 'close', by: 'c', t: 3, code: 1000, reason: '' },
];

describe('ws-echo replay logs', () => {
  it('names the transcript and its connections at start, logs and counts what the script sent as out', async () => {
    const feed = scratchFile('feed.jsonl');
    writeFileSync(feed, FEED.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const child = startCli(['replay', feed, '--port', '0', '--replay-speed', 'max']);
    try {
      const [, url] = await child.waitFor(/listening on (ws:\/\/\S+)/);
      await child.waitFor(/replaying "[^"]*feed\.jsonl" \(1 connection scripted\)/);
      const ws = new WebSocket(`${url}/feed`);
      const got: string[] = [];
      ws.on('message', (data) => {
        got.push(String(data));
        if (got.length === 1) ws.send('hello');
        else ws.close(1000);
      });
      await once(ws, 'close');
      expect(got).toEqual(['welcome', 'hello back']);
      child.child.kill('SIGTERM');
      await child.exited;
      // 'welcome' and 'hello back': 17 bytes out; 'hello': 5 in
      expect(child.stdout()).toMatch(/summary: 1 connection, 0 rejected, 1 message, 5 B in, 17 B out/);
      expect(child.stdout()).toContain('#1 sent text 7 B "welcome"');
      expect(child.stdout()).toContain('#1 sent text 10 B "hello back"');
    } finally {
      child.child.kill();
    }
  }, 15_000);
});
