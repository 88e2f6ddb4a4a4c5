// Runs the real CLI (bin/ws-echo, compiled dist/) as a child process.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

/** The repository root and the CLI entry. */
export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'ws-echo');

/** A running CLI child with everything it printed so far. */
export interface CliChild {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout contains a line matching `pattern`, with that match. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

/** Environment for a child: no colors unless a test asks for them. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  delete env.PORT;
  delete env.HOST;
  return { ...env, ...extra };
}

/** Starts `bin/ws-echo args...` (or another command) with piped stdio. */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; command?: string[] } = {}): CliChild {
  const [command, ...prefix] = options.command ?? [process.execPath, BIN];
  const child = spawn(command, [...prefix, ...args], { env: options.env ?? childEnv(), stdio: 'pipe' });
  let out = '';
  let err = '';
  const watchers: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    watchers.forEach((check) => check());
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = out.match(pattern);
          if (match) resolve(match);
        };
        watchers.push(check);
        check();
        exited.then(({ code }) => reject(new Error(`exited (${code}) before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`)));
      }),
  };
}

/** Starts the CLI on a free port and resolves with the child and its `ws://` URL. */
export async function startCliServer(args: string[] = [], env?: NodeJS.ProcessEnv): Promise<CliChild & { url: string }> {
  const cli = startCli(['--port', '0', ...args], { env });
  const [, url] = await cli.waitFor(/listening on (wss?:\/\/\S+)/);
  return Object.assign(cli, { url });
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCliToEnd(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args, { env });
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Peak and current resident memory of a process, in bytes, from /proc. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const status: string = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}
