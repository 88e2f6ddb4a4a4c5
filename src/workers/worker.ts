// A --workers process: serves with the primary's options, logs through it, and stops when it says so.
import { clearInterval, setInterval } from 'node:timers';
import type { CounterSnapshot } from '../core/counters';
import { EchoServerError } from '../core/errors';
import type { EchoServer } from '../core/types';
import type { LogEvent } from '../core/log-events';
import { createLogger, type Logger } from '../log/logger';
import { startEchoServerLogging } from '../server/server';
import { ipcLogStream } from './ipc-log-stream';
import { WORKER_ENV, type FromWorker, type ToWorker } from './messages';
import { PrimaryChannel, workerHooks } from './worker-hooks';

/** How often a worker reports its counters, so one that dies takes at most this much with it. */
const STATS_INTERVAL_MS = 1000;

type StartMessage = Extract<ToWorker, { type: 'start' }>;

/** Sends `message` to the primary; `done` runs once it is on the channel (or the channel is gone). */
function send(message: FromWorker, done?: (error: Error | null) => void): void {
  if (!process.connected || !process.send) return done?.(new Error('the primary is gone'));
  process.send(message, undefined, undefined, done);
}

function sendAndWait(message: FromWorker): Promise<void> {
  return new Promise((resolve) => send(message, () => resolve()));
}

/**
 * Runs this process as one worker: waits for the start message, starts the server with the
 * cross-process hooks, and reports to the primary. Resolves with the exit code once the
 * primary's `stop` has been carried out (0), or the server could not start (its code).
 */
export async function runWorker(): Promise<number> {
  delete process.env[WORKER_ENV]; // not for anything this process might start
  // A Ctrl-C reaches every process of the terminal's group, and systemd signals the whole
  // cgroup: the primary alone decides how the server stops, then tells each worker.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);

  const channel = new PrimaryChannel((message) => send(message));
  let stopRequested = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const start = await new Promise<StartMessage>((resolve) => {
    process.on('message', (message: ToWorker) => {
      if (message.type === 'start') resolve(message);
      else if (message.type === 'stop') stopRequested();
      else channel.answered(message);
    });
    send({ type: 'ready' });
  });

  const logger = createLogger(
    start.log && { ...start.log, stdout: ipcLogStream('out', send), stderr: ipcLogStream('err', send) },
  );
  // What the server logs while starting (the listening line, warnings) goes to the primary,
  // which prints one worker's for all of them.
  let startupEvents: LogEvent[] | undefined = [];
  const log: Logger = {
    ...logger,
    log: (event) => (startupEvents ? void startupEvents.push(event) : logger.log(event)),
  };
  const hooks = workerHooks(channel, send, start.worker);
  let server: EchoServer;
  try {
    // no client headers: nothing here reads them
    server = await startEchoServerLogging(start.options, log, hooks, false);
  } catch (error) {
    if (!(error instanceof EchoServerError)) throw error;
    await sendAndWait({ type: 'failed', message: error.message, exitCode: error.exitCode });
    return error.exitCode;
  }
  send({ type: 'listening', url: server.url, host: server.host, port: server.port, events: startupEvents });
  startupEvents = undefined;

  const counters = (): CounterSnapshot => hooks.snapshot() as CounterSnapshot; // set while the server started
  const report = setInterval(() => send({ type: 'stats', counters: counters() }), STATS_INTERVAL_MS).unref();
  await stopped;
  clearInterval(report);
  await server.close();
  await logger.flush(1000);
  // After every log line: the primary prints its summary once each worker's final counters are in.
  await sendAndWait({ type: 'stats', counters: counters() });
  return 0;
}
