// A transcript that cannot be written: a FIFO or a device is refused at start, and a write that fails (the file size
// limit, as a full disk) stops the recording: pairs closed 1011, clients refused 503, the CLI exits 1 naming it.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { BIN, runCliToEnd, startCli } from '../helpers/processes/cli';
import { rawUpgrade } from '../helpers/wire/raw-http';
import { scratchFile } from '../helpers/upstream/conversation';

/** The file size limit the recorder runs under (ulimit -f, in KiB): past it every write fails with EFBIG. */
const FILE_LIMIT_KIB = 64;

describe('ws-echo record --out', () => {
  it('refuses a FIFO and a device at start (exit 2, naming the file)', async () => {
    const fifo = scratchFile('feed.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const out of [fifo, '/dev/full']) {
      const result = await runCliToEnd(['record', '--target', 'ws://127.0.0.1:1', '--out', out, '--port', '0']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot write the transcript ${out}: it is not a regular file`);
    }
  }, 15_000);

  it('stops recording at the first failed write: 1011 to the client, 503 to the next, exit 1 naming the file', async () => {
    const target = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    target.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    await once(target, 'listening');
    const out = scratchFile('limited.jsonl');
    const targetUrl = `ws://127.0.0.1:${(target.address() as { port: number }).port}`;
    const limited = ['/bin/bash', '-c', `ulimit -f ${FILE_LIMIT_KIB}; exec "$0" "$@"`, process.execPath, BIN];
    const recorder = startCli(['record', '--target', targetUrl, '--out', out, '--port', '0'], { command: limited });
    try {
      const [, url] = await recorder.waitFor(/listening on (ws:\/\/\S+)/);
      const ws = new WebSocket(`${url}/feed`);
      await once(ws, 'open');
      for (let i = 0; i < 200; i++) ws.send('x'.repeat(1024));
      const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
      expect(code).toBe(1011);
      expect(reason.toString()).toMatch(/transcript/);
      const next = await rawUpgrade(Number(new URL(url).port));
      expect(next.status).toBe(503);
      recorder.child.kill('SIGTERM');
      expect((await recorder.exited).code).toBe(1);
      expect(recorder.stderr()).toContain(`error: cannot write the transcript ${out}: EFBIG`);
    } finally {
      recorder.child.kill();
      target.close();
    }
  }, 20_000);
});
