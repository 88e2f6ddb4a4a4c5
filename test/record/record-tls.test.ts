// Recording a wss:// target (a Python websockets server with a private CA): its certificate checked, trusted by
// targetTls/--target-ca, skipped by --target-insecure, and a client certificate for a target that requires one.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startRecorder, type Recorder, type RecorderOptions } from '../../src';
import { LogSink } from '../helpers/log-sink';
import { stopChild } from '../helpers/probe';
import { runCliToEnd, startCli } from '../helpers/processes/cli';
import { makeTestCert, type TestCert } from '../helpers/tls-cert';
import { runClient, scratchFile, startUpstream } from '../helpers/upstream/conversation';

/** The status and body a client's upgrade got instead of a 101. */
function refusal(url: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined);
  return new Promise((resolve) =>
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    }),
  );
}

describe('recording a wss:// target', () => {
  let server: TestCert; // the target's certificate: self-signed, so its own private CA
  let client: TestCert; // a client certificate, self-signed: the CA the second target checks clients against
  const upstreams: ChildProcess[] = [];
  const recorders: Recorder[] = [];
  let plain: string;
  let strict: string; // requires a client certificate
  beforeAll(async () => {
    server = makeTestCert();
    client = makeTestCert();
    const tls = ['--cert', server.certFile, '--key', server.keyFile];
    const first = await startUpstream(tls);
    const second = await startUpstream([...tls, '--client-ca', client.certFile]);
    upstreams.push(first.child, second.child);
    [plain, strict] = [first.url, second.url];
  });
  afterAll(async () => {
    await Promise.all(recorders.map((recorder) => recorder.close()));
    upstreams.forEach((child) => child.kill());
    server?.remove();
    client?.remove();
  });

  /** A recorder of `target` logging JSON into `sink`. */
  async function recorderOf(target: string, extra: Partial<RecorderOptions>, sink = new LogSink()): Promise<Recorder> {
    const recorder = await startRecorder({ target, out: scratchFile('tls.jsonl'), port: 0, log: sink.log, ...extra });
    recorders.push(recorder);
    return recorder;
  }

  it("refuses the client with 502 naming the certificate error when Node's default trust rejects the target", async () => {
    const sink = new LogSink();
    const recorder = await recorderOf(plain, {}, sink);
    const { status, body } = await refusal(`${recorder.url}/feed`);
    expect(status).toBe(502);
    expect(body).toMatch(
      /^the target's TLS certificate was refused: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
    );
    expect(await sink.next('rejected')).toMatchObject({ status: 502, path: '/feed', reason: body.trim() });
    expect(recorder.stats().refused).toBe(1);
  });

  it('records through TLS with the private CA (targetTls.ca), or with rejectUnauthorized false', async () => {
    for (const targetTls of [{ ca: server.cert }, { rejectUnauthorized: false }]) {
      const recorder = await recorderOf(plain, { targetTls });
      const seen = await runClient(`${recorder.url}/feed`);
      expect(seen.close).toEqual({ code: 4001, reason: 'conversation over' });
      expect(seen.messages).toHaveLength(4);
    }
  });

  it('checks the certificate against targetTls.servername (sent in SNI) when given', async () => {
    const wrong = await recorderOf(plain, { targetTls: { ca: server.cert, servername: 'other.example' } });
    const { status, body } = await refusal(`${wrong.url}/feed`);
    expect(status).toBe(502);
    expect(body).toContain('(ERR_TLS_CERT_ALTNAME_INVALID)');
    const right = await recorderOf(plain, { targetTls: { ca: server.cert, servername: 'localhost' } });
    expect((await runClient(`${right.url}/feed`)).close.code).toBe(4001);
  });

  it('sends a client certificate to a target that requires one (and is refused without it)', async () => {
    const without = await recorderOf(strict, { targetTls: { ca: server.cert } });
    const { status, body } = await refusal(`${without.url}/feed`);
    expect(status).toBe(502);
    // TLS 1.3: the target checks the client's certificate after the handshake, and hangs up (or sends an alert).
    expect(body).toMatch(/^the target (could not be reached: socket hang up|ended the TLS handshake)/);
    const withCert = await recorderOf(strict, { targetTls: { ca: server.cert, cert: client.cert, key: client.key } });
    const seen = await runClient(`${withCert.url}/feed`);
    expect(seen.close).toEqual({ code: 4001, reason: 'conversation over' });
  });

  it('takes --target-ca, --target-cert and --target-key, and --target-insecure with a warning, on the command line', async () => {
    const cases = [
      ['--target-ca', server.certFile, '--target-cert', client.certFile, '--target-key', client.keyFile],
      ['--target-insecure', '--target-cert', client.certFile, '--target-key', client.keyFile],
    ];
    for (const flags of cases) {
      const out = scratchFile('cli-tls.jsonl');
      const cli = startCli(['record', '--target', strict, '--out', out, '--port', '0', ...flags]);
      try {
        const [, url] = await cli.waitFor(/listening on (ws:\/\/\S+)/);
        const seen = await runClient(`${url}/feed`);
        expect(seen.close).toEqual({ code: 4001, reason: 'conversation over' });
      } finally {
        await stopChild(cli.child);
      }
      const insecure = flags.includes('--target-insecure');
      expect(cli.stderr().includes("warning: --target-insecure: the target's certificate is not checked")).toBe(
        insecure,
      );
      expect(readFileSync(out, 'utf8')).toContain('"event":"close","by":"s","t"');
    }
  });

  it('refuses targetTls fields it does not know, or of the wrong type, naming them', async () => {
    const start = (targetTls: unknown): Promise<unknown> =>
      startRecorder({ target: plain, out: scratchFile('z.jsonl'), port: 0, targetTls } as RecorderOptions);
    await expect(start({ ca: 5 })).rejects.toThrow('targetTls.ca must be PEM text or a Buffer (or an array of them)');
    await expect(start({ insecure: true })).rejects.toThrow('unknown targetTls option insecure; known: ca, cert, key');
  });

  it('names the flag of a TLS file it cannot read, or a certificate without its key, with exit 2', async () => {
    const missing = await runCliToEnd([
      'record',
      '--target',
      strict,
      '--out',
      scratchFile('x.jsonl'),
      '--target-ca',
      '/nonexistent.pem',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read --target-ca file "/nonexistent.pem": no such file');
    const alone = await runCliToEnd([
      'record',
      '--target',
      strict,
      '--out',
      scratchFile('y.jsonl'),
      '--target-cert',
      client.certFile,
    ]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--target-cert and --target-key must be given together');
  });
});
