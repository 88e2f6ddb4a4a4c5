// Pings and pongs through the recorder: written as lines, passed on to the other side, answered by the real peer.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import WebSocket, { WebSocketServer } from 'ws';
import { startRecorder } from '../../src';
import { buildFrame, Opcode } from '../helpers/wire/frames';
import { openRawClient } from '../helpers/wire/raw-client';
import { flood } from '../helpers/wire/raw-client';
import { scratchFile, startUpstream } from '../helpers/upstream/conversation';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('pings and pongs through the recorder', () => {
  let upstream: { url: string; child: ChildProcess } | undefined;
  afterAll(() => upstream?.child.kill());

  it('are written from either side and passed on, so each side gets the other real peer’s pong', async () => {
    upstream = await startUpstream(['--script', 'pings']);
    const out = scratchFile('pings.jsonl');
    const recorder = await startRecorder({ target: upstream.url, out, port: 0 });
    const pingsSeen: string[] = [];
    try {
      const ws = new WebSocket(`${recorder.url}/pings`);
      ws.on('ping', (data: Buffer) => pingsSeen.push(data.toString()));
      await once(ws, 'open');
      ws.ping('from-client');
      const [pong] = (await once(ws, 'pong')) as [Buffer];
      expect(pong.toString()).toBe('from-client');
      ws.send('ping me');
      const [message] = (await once(ws, 'message')) as [Buffer];
      expect(message.toString()).toBe('your pong came'); // the upstream got the client's pong to its ping
      ws.send('bye');
      const [code] = (await once(ws, 'close')) as [number];
      expect(code).toBe(1000);
    } finally {
      await recorder.close();
    }
    expect(pingsSeen).toEqual(['from-upstream']);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .slice(2)
      .map((line) => JSON.parse(line));
    const frames = lines.map(({ from, ping, pong, text }) => ({ from, ping, pong, text }));
    expect(frames.slice(0, 6)).toEqual([
      { from: 'c', ping: b64('from-client') },
      { from: 's', pong: b64('from-client') },
      { from: 'c', text: 'ping me' },
      { from: 's', ping: b64('from-upstream') },
      { from: 'c', pong: b64('from-upstream') },
      { from: 's', text: 'your pong came' },
    ]);
  });

  it('are bounded like messages: a flood of pings passed on to a target that never reads stalls the client', async () => {
    const target = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    target.on('connection', (_ws, req) => req.socket.pause()); // never reads a byte
    await once(target, 'listening');
    const { port } = target.address() as { port: number };
    const out = scratchFile('flood.jsonl');
    const recorder = await startRecorder({ target: `ws://127.0.0.1:${port}`, out, port: 0 });
    const client = await openRawClient(recorder.port, { path: '/flood' });
    try {
      const ping = buildFrame({ opcode: Opcode.ping, payload: Buffer.alloc(125, 1) });
      const total = 64 * 1024 * 1024;
      const pinging = flood(client.socket, ping, total, 1000);
      expect(await pinging.stuck).toBe(true);
      expect(pinging.sent).toBeLessThan(total / 2);
    } finally {
      client.destroy();
      await recorder.close();
      target.close();
    }
    // The pings were passed on (and written) until the bound stopped the recorder reading, not answered by it.
    const pings = readFileSync(out, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"ping":')).length;
    expect(pings).toBeGreaterThan(1000);
  });
});
