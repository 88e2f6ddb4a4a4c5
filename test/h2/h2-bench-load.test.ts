// The bench's HTTP/2 load generator (test/bench/h2-load.js) checks every echo over both transports it compares: it
// counts echoes and server CPU from a correct server, and names an echo that is not the message it sent.
import path from 'node:path';
import type { EchoServerOptions } from '../../src';
import { perTest } from '../helpers/per-test';
import { runCommand, ROOT } from '../helpers/processes/cli';

const { serve } = perTest();

/** What h2-load.js prints. */
interface H2LoadResult {
  transport: string;
  conns: number;
  echoes: number;
  serverCpuSeconds: number;
  errors: string[];
}

/** Runs h2-load.js for a short window against a server with --h2 and `options` (this process: its CPU is read). */
async function h2Load(options: EchoServerOptions, transport: string, conns: number): Promise<H2LoadResult> {
  const server = await serve({ h2: true, ...options });
  const script = path.join(ROOT, 'test', 'bench', 'h2-load.js');
  const args = ['--port', String(server.port), '--transport', transport, '--conns', String(conns)];
  args.push('--inflight', '4', '--seconds', '0.3', '--warmup', '0.1', '--server-pids', String(process.pid));
  const result = await runCommand(process.execPath, [script, ...args], { timeoutMs: 30_000 });
  return JSON.parse(result.stdout) as H2LoadResult;
}

test.each([
  ['h2', 1],
  ['h2', 10],
  ['tcp', 10],
])('a correct server over %s with %i WebSocket(s): echoes counted, no errors', async (transport, conns) => {
  const result = await h2Load({}, transport as string, conns as number);
  expect(result).toMatchObject({ transport, conns, errors: [] });
  expect(result.echoes).toBeGreaterThan(0);
  expect(result.serverCpuSeconds).toBeGreaterThan(0);
});

test.each(['h2', 'tcp'])('over %s, echoes that are not the messages sent are named', async (transport) => {
  const result = await h2Load({ fragment: 10 }, transport, 1);
  expect(result.errors).toContain('an echo differed from its message');
});
