// Parses the command line and runs the server until a signal stops it.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Readable, Writable } from 'node:stream';
import { DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HOST, DEFAULT_MAX_PAYLOAD, DEFAULT_PORT } from '../core/constants';
import { EchoServerError } from '../core/errors';
import { normalizeOrigin } from '../protocols/http-syntax';
import { createLogger, type Logger } from '../log/logger';
import { MODES, MODE_NAMES } from '../behaviour/modes';
import { startEchoServerLogging } from '../server/server';
import { startStatsReporter } from '../stats/stats-reporter';
import { listenForSignals } from './signals';
import { sendStdinLines } from './stdin-lines';
import { loadTlsFiles } from './tls-files';
import { versionLine } from '../sea/bufferutil-status';
import { negotiationFlags, type NegotiationFlags, negotiationOptions } from './negotiation-flags';
import type { EchoServerCore, EchoServerOptions, LogOptions, TlsOptions } from '../core/types';
import { RULES, pathProblem } from '../core/validate';
import { durationFlag, numberFlag, sizeFlag, workersFlag } from './units';
import { HELP_WIDTH, helpParagraph, helpRows } from './help-text';
import { behaviourFlags, behaviourOptionsFrom } from './behaviour-flags';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

/** The flags as commander hands them over. */
interface ParsedFlags {
  port: number;
  host: string;
  path?: string;
  maxPayload: number;
  maxFragments?: number;
  maxConnections?: number;
  idleTimeout?: number;
  handshakeTimeout: number;
  origin?: string[];
  cert?: string;
  key?: string;
  quiet?: boolean;
  json?: boolean;
  color: boolean;
  metrics: boolean;
  stats?: boolean;
  workers: number;
  stdin?: boolean;
}

/** Every flag, the handshake ones (negotiation-flags.ts) included. */
type AllFlags = ParsedFlags & NegotiationFlags;

/** Where the CLI writes; tests may pass their own. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** What `--stdin` reads (default `process.stdin`). */
  stdin?: Readable;
}

const EXAMPLES = `
Modes:
${helpRows(
  MODE_NAMES.map((name) => [name, MODES[name].summary] as const),
  14,
)}

Examples:
${helpRows(
  [
    ['ws-echo', 'graceful echo on ws://127.0.0.1:8080'],
    ['ws-echo --mode forever --port 8080', 'never answers a close frame'],
    ['ws-echo --mode one-shot --buffer-size 4', 'echo 4 bytes of the first message, then drop'],
    ['ws-echo --port 0 --json', 'free port; the first JSON line has the URL'],
    ['ws-echo --max-payload 16MiB --idle-timeout 30s', 'sizes and durations take units'],
    ['ws-echo --cert cert.pem --key key.pem', 'serve wss://'],
    ['ws-echo --stats', 'a live status line: connections, msg/s, bytes/s'],
    ['ws-echo --protocol graphql-transport-ws --deflate', 'answer that subprotocol, compress'],
    ["ws-echo --header 'Server: nginx'", 'add a header to every answer'],
    ['ws-echo --delay 10-50 --seed 7', 'every echo 10-50 ms late, the same delays every run'],
  ],
  39,
)}

Over HTTP, on the same port:
${helpRows(
  [
    ['GET /', 'in a browser: a console to connect, send, close; curl: the URL'],
    ['GET /healthz', 'readiness JSON'],
    ['GET /metrics', 'Prometheus metrics (off with --no-metrics)'],
  ],
  15,
)}

${helpParagraph('Exit codes: 0 stopped by SIGINT/SIGTERM, 1 runtime failure (port in use, bad certificate), 2 usage error.')}`;

/** Builds the commander program; exported so tests and `--help` share it. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('ws-echo')
    .description('A WebSocket echo server: four echo modes, from naive to RFC 6455-correct.')
    .version(
      versionLine(version),
      '-V, --version',
      'print the version, and how frames are masked (bufferutil: native or javascript)',
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on; 0 takes a free one')
        .env('PORT')
        .default(DEFAULT_PORT)
        .argParser(numberFlag(RULES.port)),
    )
    .addOption(
      new Option('--host <host>', 'interface to bind; 0.0.0.0 exposes the server to the network')
        .env('HOST')
        .default(DEFAULT_HOST),
    )
    .addOption(
      new Option('--path <path>', 'accept upgrades only on this path; others get 404 (default: any path)').argParser(
        (text) => {
          const problem = pathProblem(text);
          if (problem !== undefined) throw new InvalidArgumentError(`It ${problem}.`);
          return text;
        },
      ),
    )
    .addOption(
      new Option(
        '--max-payload <size>',
        'largest message accepted (bytes, or 64KiB, 16MiB...); larger closes the client with 1009',
      )
        .default(DEFAULT_MAX_PAYLOAD, '100MiB')
        .argParser(sizeFlag(RULES.maxPayload)),
    )
    .addOption(
      new Option(
        '--max-fragments <n>',
        'most frames per message; more closes with 1008 (default: --max-payload / 4096, min 16384)',
      ).argParser(numberFlag(RULES.maxFragments)),
    )
    .addOption(
      new Option(
        '--max-connections <n>',
        'open connections allowed; past it upgrades get 503 (default: no limit)',
      ).argParser(numberFlag(RULES.maxConnections)),
    )
    .addOption(
      new Option(
        '--idle-timeout <duration>',
        'close clients silent this long (seconds, or 500ms, 2m...) (default: off)',
      ).argParser(durationFlag(RULES.idleTimeout)),
    )
    .addOption(
      new Option('--handshake-timeout <duration>', 'time a client has to send its opening handshake')
        .default(DEFAULT_HANDSHAKE_TIMEOUT, '10s')
        .argParser(durationFlag(RULES.handshakeTimeout)),
    )
    .addOption(
      new Option(
        '--origin <origin...>',
        'accept only upgrades from these origins (https://example.com); others get 403 (default: any)',
      ).argParser((text: string, previous: string[] | undefined) => {
        const origin = normalizeOrigin(text);
        if (origin === undefined)
          throw new InvalidArgumentError('It must be an origin like https://example.com, with no path.');
        return [...(previous ?? []), origin];
      }),
    )
    .addOption(negotiationFlags.protocol)
    .addOption(negotiationFlags.noProtocol)
    .addOption(negotiationFlags.deflate)
    .addOption(negotiationFlags.header)
    .option('--cert <file>', 'TLS certificate (PEM); serve wss:// (needs --key)')
    .option('--key <file>', 'TLS private key (PEM) (needs --cert)')
    .addOption(
      new Option('--workers <n>', 'server processes sharing the port, or auto: one per CPU')
        .default(1)
        .argParser(workersFlag),
    )
    .option('-q, --quiet', 'print only the listening line, warnings, errors and the summary')
    .option('--json', 'log one JSON object per line')
    .option('--no-color', 'no colors (also: NO_COLOR=1; FORCE_COLOR=1 forces them)')
    .option(
      '--stats',
      'a status line each second: connections, messages and bytes per second, totals (--json: a stats event)',
    )
    .option('--no-metrics', 'do not serve Prometheus metrics at GET /metrics (then 404)')
    .option('--stdin', 'send each line of standard input to every open connection as a text message')
    .configureHelp({ helpWidth: HELP_WIDTH })
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(run ws-echo --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  behaviourFlags().forEach((option) => program.addOption(option));
  return program;
}

function tlsFrom(flags: ParsedFlags): TlsOptions | undefined {
  if (flags.cert === undefined && flags.key === undefined) return undefined;
  if (flags.cert === undefined || flags.key === undefined)
    throw new EchoServerError('--cert and --key must be given together', 2);
  return loadTlsFiles(flags.cert, flags.key);
}

/** Turns parsed flags into startEchoServer() options (logging is set up by the caller). */
export function optionsFrom(flags: AllFlags): EchoServerOptions {
  return {
    ...behaviourOptionsFrom(flags as unknown as Record<string, unknown>),
    port: flags.port,
    host: flags.host,
    path: flags.path,
    maxPayload: flags.maxPayload,
    maxFragments: flags.maxFragments,
    maxConnections: flags.maxConnections,
    idleTimeout: flags.idleTimeout,
    handshakeTimeout: flags.handshakeTimeout,
    origins: flags.origin,
    tls: tlsFrom(flags),
    metrics: flags.metrics,
    ...negotiationOptions(flags),
    record: false, // the CLI has no test to hand recordings to: a message costs nothing extra
  };
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
  const program = buildProgram(io);
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const flags = program.opts<AllFlags>();
  const logOptions: LogOptions = {
    format: flags.json ? 'json' : 'pretty',
    quiet: flags.quiet,
    color: flags.color === false ? false : undefined,
    stdout: io.stdout,
    stderr: io.stderr,
  };
  const logger: Logger = createLogger(logOptions);
  const signals = listenForSignals();
  try {
    // The connections live in the workers, so the primary has none to send stdin lines to.
    if (flags.stdin && flags.workers > 1)
      throw new EchoServerError('--stdin works with one process only: drop --workers, or use --workers 1', 2);
    let stopStdin: (() => void) | undefined;
    let server: EchoServerCore;
    if (flags.workers > 1) {
      // Cluster code loads only for --workers 2 or more.
      server = await (
        await import('../workers/primary')
      ).startWorkers(flags.workers, optionsFrom(flags), logger, logOptions);
    } else {
      // no client headers: nothing here reads them
      const single = await startEchoServerLogging(optionsFrom(flags), logger, undefined, false);
      if (flags.stdin) stopStdin = sendStdinLines(io.stdin ?? process.stdin, single, logger);
      server = single;
    }
    const onTerminal = !flags.json && (io.stdout as { isTTY?: boolean }).isTTY === true;
    const statsReporter = flags.stats
      ? startStatsReporter(() => server.stats(), logger, onTerminal ? 'status-line' : 'events')
      : undefined;
    const received = await signals.first;
    statsReporter?.stop();
    stopStdin?.();
    logger.log({ event: 'shutdown', reason: received, connections: server.connections() });
    await server.close();
    const stats = server.stats();
    logger.log({
      event: 'summary',
      connections: stats.connectionsTotal,
      rejected: stats.upgradesRejected,
      messages: stats.messagesReceived,
      bytesReceived: stats.bytesReceived,
      bytesEchoed: stats.bytesEchoed,
      protocolErrors: stats.protocolErrors,
      logLinesDropped: stats.logLinesDropped,
      uptimeMs: stats.uptimeMs,
    });
    await logger.flush(1000);
    return 0;
  } catch (error) {
    if (!(error instanceof EchoServerError)) throw error;
    // The API words its errors for code (`the port option`); the command line names flags.
    const message = error.cliMessage ?? error.message;
    if (error.exitCode === 2) {
      io.stderr.write(`error: ${message}\n(run ws-echo --help for usage)\n`);
    } else {
      logger.log({ event: 'error', message });
    }
    await logger.flush(1000);
    return error.exitCode;
  } finally {
    signals.stop();
  }
}
