// Small probes for tests: /healthz, waiting and polling for a state, liveness bounds, stopping children.
import type { ChildProcess } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/** What `GET /healthz` answers. */
export interface Health {
  status: string;
  mode: string;
  connections: number;
  logLinesDropped: number;
}

/** `GET /healthz` on the server behind a `ws://` or `wss://` URL; `ca` trusts a test certificate. */
export function getHealth(wsUrl: string, options: { ca?: Buffer } = {}): Promise<Health> {
  const url = new URL(wsUrl);
  const secure = url.protocol === 'wss:';
  const target = `${secure ? 'https' : 'http'}://${url.host}/healthz`;
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET /healthz: HTTP ${res.statusCode}: ${body}`));
        try {
          resolve(JSON.parse(body) as Health);
        } catch (error) {
          reject(error as Error);
        }
      });
    };
    // agent: false, so no keep-alive socket outlives the request.
    const req = secure
      ? httpsGet(target, { ca: options.ca, agent: false }, onResponse)
      : httpGet(target, { agent: false }, onResponse);
    req.on('error', reject);
  });
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves once `condition()` holds, checking every few milliseconds; rejects after `limitMs`,
 * so a condition that never comes fails its test instead of polling on after it (an open handle).
 */
export async function waitUntil(condition: () => boolean, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waitUntil: the condition did not hold within ${limitMs} ms`);
    await sleep(5);
  }
}

/**
 * Settles as `promise` does, or rejects if it has not settled after `limitMs`: a liveness
 * bound, so a server that never gets there fails the test with `what` instead of hanging it.
 */
export function within<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} after ${limitMs} ms`)), limitMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Checks `condition` up to `attempts` times, `intervalMs` apart, and resolves with the
 * last value it returned; the caller asserts on that value. Polling bounds how long a test
 * waits for a state, it never asserts on how long that took.
 */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  attempts = 100,
  intervalMs = 100,
): Promise<T> {
  let value = await read();
  for (let i = 1; i < attempts && !done(value); i++) {
    await sleep(intervalMs);
    value = await read();
  }
  return value;
}

/** Whether a child has exited. */
function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Stops a child with SIGTERM (SIGKILL if it is still there after `graceMs`) and resolves
 * once it has exited and its stdio streams are closed, so everything it printed was read.
 */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  const streams = [child.stdin, child.stdout, child.stderr].filter((s) => s !== null);
  const allClosed = (): boolean => streams.every((s) => s.closed || s.destroyed);
  const closed = new Promise<void>((resolve) => {
    if (exited(child) && allClosed()) return resolve();
    child.once('close', () => resolve());
  });
  // Output nobody reads can keep a child blocked in write(): let it flow (and be discarded
  // unless a listener collects it) so the child can act on the signal and exit.
  child.stdout?.resume();
  child.stderr?.resume();
  if (!exited(child)) {
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited(child)) child.kill('SIGKILL');
    }, graceMs);
    await gone;
    clearTimeout(timer);
  }
  await closed;
}
