// Parses the command line and runs the server until a signal stops it.
import { CommanderError } from 'commander';
import { EchoServerError } from '../core/errors';
import type { EchoServerCore, LogOptions } from '../core/types';
import { createLogger, type Logger } from '../log/logger';
import { startEchoServerLogging } from '../server/server';
import { startStatsReporter } from '../stats/stats-reporter';
import { summaryEvent } from '../stats/summary';
import { buildProgram, type CliIo } from './program';
import { optionFromFlags, optionsFrom } from './server-flags';
import { runSubcommand, SUBCOMMANDS } from './record-replay';
import { listenForSignals } from './signals';
import { sendStdinLines } from './stdin-lines';

export { buildProgram, type CliIo } from './program';
export { optionsFrom } from './server-flags';

/** The flags of the command line only (rows of SERVER_OPTIONS with no API option), as commander holds them. */
interface CliFlags {
  workers: number;
  stats?: boolean;
  stdin?: boolean;
  json?: boolean;
  [flag: string]: unknown;
}

/** A server once started, and how to stop what feeds it. */
interface Running {
  server: EchoServerCore;
  stopStdin?: () => void;
}

/** The parsed flags, or the exit code when there is nothing to run (`--help`, `--version`: 0; a bad flag: 2). */
function parseFlags(argv: string[], io: CliIo): CliFlags | number {
  const program = buildProgram(io);
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return program.opts<CliFlags>();
}

/** Starts the server: one process, or `--workers` processes (cluster code loads only for 2 or more). */
async function start(flags: CliFlags, logger: Logger, logOptions: LogOptions, io: CliIo): Promise<Running> {
  // The connections live in the workers, so the primary has none to send stdin lines to.
  if (flags.stdin && flags.workers > 1)
    throw new EchoServerError('--stdin works with one process only: drop --workers, or use --workers 1', 2);
  const options = optionsFrom(flags);
  if (flags.workers > 1) {
    const { startWorkers } = await import('../workers/primary');
    return { server: await startWorkers(flags.workers, options, logger, logOptions) };
  }
  // no client headers: nothing here reads them
  const server = await startEchoServerLogging(options, logger, undefined, false);
  return { server, stopStdin: flags.stdin ? sendStdinLines(io.stdin ?? process.stdin, server, logger) : undefined };
}

/** Serves until the first signal, then closes the server and logs the summary. */
async function serveUntil(signal: Promise<string>, running: Running, flags: CliFlags, logger: Logger, io: CliIo) {
  const { server } = running;
  const onTerminal = !flags.json && (io.stdout as { isTTY?: boolean }).isTTY === true;
  const statsReporter = flags.stats
    ? startStatsReporter(() => server.stats(), logger, onTerminal ? 'status-line' : 'events')
    : undefined;
  const received = await signal;
  statsReporter?.stop();
  running.stopStdin?.();
  logger.log({ event: 'shutdown', reason: received, connections: server.connections() });
  await server.close();
  logger.log(summaryEvent(server.stats()));
}

/** Reports an {@link EchoServerError} (a usage error on stderr, others as a log event) and gives its exit code. */
async function report(error: unknown, logger: Logger, io: CliIo): Promise<number> {
  if (!(error instanceof EchoServerError)) throw error;
  // The API words its errors for code (`the port option`); the command line names flags.
  const message = error.cliMessage ?? error.message;
  if (error.exitCode === 2) io.stderr.write(`error: ${message}\n(run ws-echo --help for usage)\n`);
  else logger.log({ event: 'error', message });
  await logger.flush(1000);
  return error.exitCode;
}

/**
 * Runs ws-echo with `argv` (as `process.argv`): resolves with the exit code once the
 * server has stopped (0), failed to start (1) or the flags were wrong (2).
 */
export async function runCli(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  // A --workers process takes its options from the primary, not from argv.
  if (process.env.WS_ECHO_WORKER !== undefined && process.send) return (await import('../workers/worker')).runWorker();
  if ((SUBCOMMANDS as readonly string[]).includes(argv[2])) return runSubcommand(argv, io);
  const flags = parseFlags(argv, io);
  if (typeof flags === 'number') return flags;
  const logOptions: LogOptions = { ...optionFromFlags('log', flags), stdout: io.stdout, stderr: io.stderr };
  const logger = createLogger(logOptions);
  const signals = listenForSignals();
  try {
    await serveUntil(signals.first, await start(flags, logger, logOptions, io), flags, logger, io);
    await logger.flush(1000);
    return 0;
  } catch (error) {
    return await report(error, logger, io);
  } finally {
    signals.stop();
  }
}
