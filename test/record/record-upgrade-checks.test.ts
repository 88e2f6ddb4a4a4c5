// What a recorder answers a client it cannot record: a clear HTTP status, the target not dialled when the request is
// bad, and the recorder running on for the next client.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { startRecorder, type Recorder } from '../../src';
import { rawUpgrade } from '../helpers/wire/raw-http';
import { scratchFile } from '../helpers/upstream/conversation';

/** An echoing target counting the upgrades it took, and the paths it saw. */
async function countingTarget(): Promise<{ url: string; paths: string[]; close: () => void }> {
  const paths: string[] = [];
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws, req) => {
    paths.push(req.url ?? '');
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await once(wss, 'listening');
  return { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, paths, close: () => wss.close() };
}

/** A raw TCP target answering every request with `answer` (given the socket). */
async function rawTarget(answer: (socket: Socket) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => answer(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

/** Whether a ws client to `url` opens (and closes it again). */
async function opens(url: string): Promise<boolean> {
  const ws = new WebSocket(url);
  const result = await Promise.race([once(ws, 'open').then(() => true), once(ws, 'error').then(() => false)]);
  ws.terminate();
  return result;
}

describe('a recorder refusing a client it cannot record', () => {
  let target: Awaited<ReturnType<typeof countingTarget>>;
  let recorder: Recorder;
  beforeEach(async () => {
    target = await countingTarget();
    recorder = await startRecorder({ target: target.url, out: scratchFile('checks.jsonl'), port: 0 });
  });
  afterEach(async () => {
    await recorder.close();
    target.close();
  });

  it('answers 400 to a subprotocol offered twice or not a token, and records the next client', async () => {
    const twice = await rawUpgrade(recorder.port, { headers: { 'Sec-WebSocket-Protocol': 'a, a' } });
    const notToken = await rawUpgrade(recorder.port, { headers: { 'Sec-WebSocket-Protocol': 'a b' } });
    expect([twice.status, notToken.status]).toEqual([400, 400]);
    expect(twice.body).toMatch(/Sec-WebSocket-Protocol/);
    expect(await opens(`${recorder.url}/next`)).toBe(true);
    expect(target.paths).toEqual(['/next']);
  });

  it('answers 400 to a request path with a # (no upstream URL has one), and records the next client', async () => {
    const answer = await rawUpgrade(recorder.port, { path: '/a#b' });
    expect(answer.status).toBe(400);
    expect(await opens(`${recorder.url}/next`)).toBe(true);
  });

  it('answers 400 to an upgrade without a key or for h2c without dialling the target', async () => {
    const noKey = await rawUpgrade(recorder.port, { headers: { 'Sec-WebSocket-Key': undefined } });
    const h2c = await rawUpgrade(recorder.port, { headers: { Upgrade: 'h2c' } });
    expect([noKey.status, h2c.status]).toEqual([400, 400]);
    expect(target.paths).toEqual([]);
  });
});

describe('a recorder starting', () => {
  it('refuses a target with a #fragment', async () => {
    const start = startRecorder({ target: 'ws://127.0.0.1:1/#x', out: scratchFile('frag.jsonl'), port: 0 });
    await expect(start).rejects.toThrow(/target must not have a #fragment/);
  });
});

describe("a recorder's limits on the upgrade", () => {
  it('answers 503 past maxConnections, while a pair is open', async () => {
    const target = await countingTarget();
    const recorder = await startRecorder({
      target: target.url,
      out: scratchFile('cap.jsonl'),
      port: 0,
      maxConnections: 1,
    });
    const first = new WebSocket(`${recorder.url}/first`);
    try {
      await once(first, 'open');
      expect((await rawUpgrade(recorder.port)).status).toBe(503);
      expect(target.paths).toEqual(['/first']);
    } finally {
      first.terminate();
      await recorder.close();
      target.close();
    }
  });

  it('answers 504 when the target drips its 101 past the handshake timeout, and ends the upstream', async () => {
    const drip = 'HTTP/1.1 101 Switching Protocols\r\n';
    let upstream: Socket | undefined;
    const { url, server } = await rawTarget((socket) => {
      upstream = socket;
      let sent = 0;
      const timer = setInterval(() => socket.write(drip[sent++ % drip.length]), 100);
      socket.on('close', () => clearInterval(timer));
    });
    const recorder = await startRecorder({ target: url, out: scratchFile('drip.jsonl'), port: 0, handshakeTimeout: 1 });
    try {
      expect((await rawUpgrade(recorder.port)).status).toBe(504);
      if (!upstream!.destroyed) await once(upstream!, 'close');
    } finally {
      await recorder.close();
      server.close();
    }
  });

  it("passes a redirect's Location on to the client", async () => {
    const { url, server } = await rawTarget((socket) =>
      socket.end('HTTP/1.1 302 Found\r\nLocation: ws://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n'),
    );
    const recorder = await startRecorder({ target: url, out: scratchFile('redirect.jsonl'), port: 0 });
    try {
      const answer = await rawUpgrade(recorder.port);
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toBe('ws://127.0.0.1:1/elsewhere');
    } finally {
      await recorder.close();
      server.close();
    }
  });
});
