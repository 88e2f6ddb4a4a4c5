// Runs the real CLI (bin/ws-echo, compiled dist/; or another ws-echo command) and other commands as child processes.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root and the CLI entry. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const BIN = path.join(ROOT, 'bin', 'ws-echo');

/** How a command that ran to its end ended: exit code (null if a signal ended it) and all it printed. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where and how to start a command. */
export interface StartOptions {
  /** Environment (default {@link childEnv}()). */
  env?: NodeJS.ProcessEnv;
  /** Working directory (default this process's). */
  cwd?: string;
  /** Run as this user and group (only root may). */
  user?: { uid: number; gid: number };
  /** The ws-echo command and its leading arguments (default `node bin/ws-echo` of this checkout). */
  command?: string[];
}

/** A running CLI child with everything it printed so far. */
export interface CliChild {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the child exited and all it printed was read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves once stdout contains a line matching `pattern`, with that match; rejects if the child exits or fails to
   * start first.
   */
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

/** Runs `command args...` to its end (or `timeoutMs`); never rejects, a failure shows in the code. */
export function runCommand(
  command: string,
  args: string[],
  options: Omit<StartOptions, 'command'> & { timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const { cwd, env = childEnv(), user, timeoutMs: timeout = 0 } = options;
    // With a timeout, a command still running is killed (SIGKILL) and its code is null.
    execFile(
      command,
      args,
      { cwd, env, ...user, maxBuffer: 16 * 1024 * 1024, timeout, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

/** Throws, with all the command printed, unless `result` is a success (exit 0); `what` names the command. */
export function expectSuccess(result: RunResult, what: string): void {
  if (result.code !== 0)
    throw new Error(`${what} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

/** Starts `bin/ws-echo args...` (or `options.command args...`) with piped stdio. */
export function startCli(args: string[], options: StartOptions = {}): CliChild {
  const [command, ...prefix] = options.command ?? [process.execPath, BIN];
  const child = spawn(command, [...prefix, ...args], {
    cwd: options.cwd,
    env: options.env ?? childEnv(),
    stdio: 'pipe',
    ...options.user,
  });
  let out = '';
  let err = '';
  const watchers: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    watchers.forEach((check) => check());
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const started = new Promise<void>((_resolve, reject) => child.once('error', reject));
  started.catch(() => undefined); // surfaced by waitFor
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
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
        started.catch(reject);
        exited.then(({ code }) =>
          reject(new Error(`exited (${code}) before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`)),
        );
      }),
  };
}

/** Starts the CLI on a free port and resolves with the child and its `ws://` URL. */
export async function startCliServer(
  args: string[] = [],
  options: StartOptions = {},
): Promise<CliChild & { url: string }> {
  const cli = startCli(['--port', '0', ...args], options);
  const [, url] = await cli.waitFor(/listening on (wss?:\/\/\S+)/);
  return Object.assign(cli, { url });
}

/** Runs the CLI to its end and returns its exit code and output. */
export function runCliToEnd(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return runCommand(process.execPath, [BIN, ...args], { env });
}

/** Peak and current resident memory of a process, in bytes, from /proc. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Resolves once `pid`'s RSS has not grown by more than 1 MiB for a second (the server has taken in what was sent). */
export async function rssSettled(pid: number): Promise<void> {
  let last = memoryOf(pid).rss;
  for (let calm = 0; calm < 5;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = memoryOf(pid).rss;
    calm = now > last + 1024 * 1024 ? 0 : calm + 1;
    last = Math.max(last, now);
  }
}
