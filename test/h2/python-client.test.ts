// An RFC 8441 client that shares no code with Node or ws (Python h2 + wsproto, test/h2/rfc8441_client.py) echoes
// text, binary and a ping, closes with 1000, negotiates permessage-deflate, and meets the faults as Node's client does.
import path from 'node:path';
import { runCommand } from '../helpers/processes/cli';
import { perTest } from '../helpers/per-test';

const { serve } = perTest();

/**
 * Debian's interpreter, where `python3-h2` and `python3-wsproto` install (`make test-tools`): a `python3` earlier in
 * PATH (pyenv, a venv) may not have them.
 */
const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(__dirname, 'rfc8441_client.py');

/** What the Python client saw (its JSON line). */
interface PythonRun {
  connectProtocol: number | null;
  status: number;
  extensions: string | null;
  events: Array<Record<string, unknown>>;
  firstFrameByte: number | null;
  /** A refusal's body. */
  body?: string;
  endStream?: true;
  rstCode?: number;
}

/** Runs the Python client against `port` and `urlPath`; throws with its output unless it exits 0. */
async function pythonClient(port: number, urlPath: string, ...extra: string[]): Promise<PythonRun> {
  const result = await runCommand(PYTHON, [CLIENT, '127.0.0.1', String(port), urlPath, ...extra], {
    timeoutMs: 30_000,
  });
  if (result.code !== 0) throw new Error(`python client exited ${result.code}: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as PythonRun;
}

const ECHOES = [
  { type: 'text', data: 'hello from python' },
  { type: 'binary', hex: '0001feff' },
  { type: 'pong', data: 'p' },
  { type: 'close', code: 1000, reason: 'bye' },
];

test('text, binary, ping and a 1000 close over extended CONNECT; the stream then ends (END_STREAM)', async () => {
  const server = await serve({ h2: true });
  const run = await pythonClient(server.port, '/');
  expect(run).toMatchObject({ connectProtocol: 1, status: 200, extensions: null, events: ECHOES, endStream: true });
  expect(run.firstFrameByte).toBe(0x81); // FIN + text, no RSV1
});

test('permessage-deflate as wsproto offers it: negotiated, echoes compressed (RSV1) and read back', async () => {
  const server = await serve({ h2: true, deflate: true });
  const run = await pythonClient(server.port, '/', '--deflate');
  expect(run.extensions).toMatch(/^permessage-deflate/);
  expect(run.events).toEqual(ECHOES);
  expect(run.firstFrameByte).toBe(0xc1); // FIN + RSV1 + text
});

test('the faults: h2-refuse answers the CONNECT with its status, h2-reset resets the stream (CANCEL)', async () => {
  const server = await serve({ h2: true });
  expect(await pythonClient(server.port, '/?h2-refuse=405')).toMatchObject({
    status: 405,
    events: [],
    endStream: true,
  });
  expect(await pythonClient(server.port, '/?h2-reset')).toMatchObject({ rstCode: 8, events: [] });
});
