// The README's CI recipe (test/fixtures/ci/ws-echo-ci.sh, quoted verbatim in README.md) run
// with a real bash in a project where ws-echo is installed: start in the background with
// --json --port 0, read the port from the first line, wait on /healthz with curl, echo
// once, SIGTERM, and ws-echo exits 0.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectSuccess, ROOT, runCommand } from '../helpers/processes/cli';

const SCRIPT = path.join(ROOT, 'test', 'fixtures', 'ci', 'ws-echo-ci.sh');

let project: string;

beforeAll(() => {
  // A project with ws-echo installed: node_modules/.bin/ws-echo and ws, linked to this checkout.
  project = mkdtempSync(path.join(os.tmpdir(), 'ws-echo-ci-'));
  mkdirSync(path.join(project, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(path.join(ROOT, 'bin', 'ws-echo'), path.join(project, 'node_modules', '.bin', 'ws-echo'));
  symlinkSync(path.join(ROOT, 'node_modules', 'ws'), path.join(project, 'node_modules', 'ws'), 'dir');
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

it('README.md quotes the CI script verbatim', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain(readFileSync(SCRIPT, 'utf8'));
});

it('curl is installed (the script waits on /healthz with it)', async () => {
  const result = await runCommand('bash', ['-c', 'command -v curl'], { cwd: project });
  expect(result.code).toBe(0);
});

it('the CI script starts ws-echo, waits for /healthz, echoes, stops it with SIGTERM and exits 0', async () => {
  const result = await runCommand('bash', [SCRIPT], { cwd: project });
  expectSuccess(result, 'the CI script');
  const lines = result.stdout.trim().split('\n');
  // curl's /healthz answer, then the client's line, then the server's JSON log.
  expect(JSON.parse(lines[0])).toMatchObject({ status: 'ok', mode: 'graceful' });
  expect(lines[1]).toBe('echo ok');
  const events = lines.slice(2).map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(events[0]).toMatchObject({ event: 'listening', url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/) });
  // The close may be logged just before or just after the SIGTERM arrives; the rest is in order.
  expect(events.map((e) => e.event).sort()).toEqual([
    'close',
    'connection',
    'listening',
    'message',
    'shutdown',
    'summary',
  ]);
  expect(events.at(-1)).toMatchObject({ event: 'summary' });
  expect(events.find((e) => e.event === 'close')).toMatchObject({ code: 1000, clean: true });
  expect(events.find((e) => e.event === 'shutdown')).toMatchObject({ reason: 'SIGTERM' });
  expect(events.find((e) => e.event === 'summary')).toMatchObject({
    connections: 1,
    messages: 1,
    bytesEchoed: 'ping from CI'.length,
  });
  expect(result.stderr).toBe('');
}, 120_000);
