// Parses the command line and runs the server until a signal stops it.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Readable, Writable } from 'node:stream';
import { DEFAULT_BUFFER_SIZE, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HOST, DEFAULT_MAX_PAYLOAD, DEFAULT_PORT } from '../core/constants';
import { EchoServerError } from '../core/errors';
import { normalizeOrigin } from '../server/handshake';
import { createLogger, type Logger } from '../log/logger';
import { DEFAULT_MODE, MODES, MODE_NAMES } from '../behaviour/modes';
import { startEchoServerLogging } from '../server/server';
import { sendStdinLines } from './stdin-lines';
import { loadTlsFiles } from './tls-files';
import type { EchoMode, EchoServerOptions, LogOptions, TlsOptions } from '../core/types';
import { RULES, describeRule, parseNumber, type NumberRule } from '../core/validate';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

/** The flags as commander hands them over. */
interface ParsedFlags {
  mode: EchoMode;
  port: number;
  host: string;
  path?: string;
  bufferSize: number;
  maxPayload: number;
  maxConnections?: number;
  idleTimeout?: number;
  pingInterval?: number;
  handshakeTimeout: number;
  origin?: string[];
  cert?: string;
  key?: string;
  quiet?: boolean;
  json?: boolean;
  color: boolean;
  stdin?: boolean;
}

/** Where the CLI writes; tests may pass their own. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** What `--stdin` reads (default `process.stdin`). */
  stdin?: Readable;
}

const EXAMPLES = `
Modes:
${MODE_NAMES.map((name) => `  ${name.padEnd(14)} ${MODES[name].summary}`).join('\n')}

Examples:
  ws-echo                                 graceful echo on ws://127.0.0.1:8080
  ws-echo --mode forever --port 8080      never answers a close frame
  ws-echo --mode one-shot --buffer-size 4 echo 4 bytes of the first message, then drop
  ws-echo --port 0 --json                 free port; the first JSON line has the URL
  ws-echo --cert cert.pem --key key.pem   serve wss://

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 runtime failure (port in use, bad certificate), 2 usage error.`;

function numberFlag(rule: NumberRule): (text: string) => number {
  return (text) => {
    const value = parseNumber(text, rule);
    if (value === undefined) throw new InvalidArgumentError(`It must be ${describeRule(rule)}.`);
    return value;
  };
}

/** Builds the commander program; exported so tests and `--help` share it. */
export function buildProgram(io: CliIo): Command {
  return new Command('ws-echo')
    .description('A WebSocket echo server: four echo modes, from naive to RFC 6455-correct.')
    .version(version, '-V, --version')
    .addOption(new Option('-m, --mode <mode>', 'echo mode (see Modes below)').choices(MODE_NAMES).default(DEFAULT_MODE))
    .addOption(
      new Option('-p, --port <port>', 'port to listen on; 0 takes a free one').env('PORT').default(DEFAULT_PORT).argParser(numberFlag(RULES.port)),
    )
    .addOption(new Option('--host <host>', 'interface to bind; 0.0.0.0 exposes the server to the network').env('HOST').default(DEFAULT_HOST))
    .addOption(
      new Option('--path <path>', 'accept upgrades only on this path; others get 404 (default: any path)').argParser((text) => {
        if (!text.startsWith('/')) throw new InvalidArgumentError('It must start with "/".');
        return text;
      }),
    )
    .addOption(new Option('--buffer-size <bytes>', 'bytes one-shot reads and echoes').default(DEFAULT_BUFFER_SIZE).argParser(numberFlag(RULES.bufferSize)))
    .addOption(
      new Option('--max-payload <bytes>', 'largest message accepted; larger closes the client with 1009')
        .default(DEFAULT_MAX_PAYLOAD, '104857600, 100 MiB')
        .argParser(numberFlag(RULES.maxPayload)),
    )
    .addOption(new Option('--max-connections <n>', 'open connections allowed; past it upgrades get 503 (default: no limit)').argParser(numberFlag(RULES.maxConnections)))
    .addOption(new Option('--idle-timeout <seconds>', 'close clients silent this long (default: off)').argParser(numberFlag(RULES.idleTimeout)))
    .addOption(new Option('--ping-interval <seconds>', 'ping clients this often; drop those that miss a pong (default: off)').argParser(numberFlag(RULES.pingInterval)))
    .addOption(
      new Option('--handshake-timeout <seconds>', 'time a client has to send its opening handshake')
        .default(DEFAULT_HANDSHAKE_TIMEOUT)
        .argParser(numberFlag(RULES.handshakeTimeout)),
    )
    .addOption(
      new Option('--origin <origin...>', 'accept only upgrades from these origins (https://example.com); others get 403 (default: any)').argParser(
        (text: string, previous: string[] | undefined) => {
          const origin = normalizeOrigin(text);
          if (origin === undefined) throw new InvalidArgumentError('It must be an origin like https://example.com, with no path.');
          return [...(previous ?? []), origin];
        },
      ),
    )
    .option('--cert <file>', 'TLS certificate (PEM); serve wss:// (needs --key)')
    .option('--key <file>', 'TLS private key (PEM) (needs --cert)')
    .option('-q, --quiet', 'print only the listening line, warnings and errors')
    .option('--json', 'log one JSON object per line')
    .option('--no-color', 'no colors (also: NO_COLOR=1; FORCE_COLOR=1 forces them)')
    .option('--stdin', 'send each line of standard input to every open connection as a text message')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(run ws-echo --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
}

function tlsFrom(flags: ParsedFlags): TlsOptions | undefined {
  if (flags.cert === undefined && flags.key === undefined) return undefined;
  if (flags.cert === undefined || flags.key === undefined) throw new EchoServerError('--cert and --key must be given together', 2);
  return loadTlsFiles(flags.cert, flags.key);
}

/** Turns parsed flags into startEchoServer() options (logging is set up by the caller). */
export function optionsFrom(flags: ParsedFlags): EchoServerOptions {
  return {
    mode: flags.mode,
    port: flags.port,
    host: flags.host,
    path: flags.path,
    bufferSize: flags.bufferSize,
    maxPayload: flags.maxPayload,
    maxConnections: flags.maxConnections,
    idleTimeout: flags.idleTimeout,
    pingInterval: flags.pingInterval,
    handshakeTimeout: flags.handshakeTimeout,
    origins: flags.origin,
    tls: tlsFrom(flags),
    record: false, // the CLI has no test to hand recordings to: a message costs nothing extra
  };
}

/**
 * Listens for SIGINT and SIGTERM: `first` resolves with the first one; after it, a second
 * means "now" and exits at once with the shell's 128 + signal number. `stop()` removes the handlers.
 */
function listenForSignals(): { first: Promise<NodeJS.Signals>; stop: () => void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const first = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      onSignal = (again) => process.exit(again === 'SIGINT' ? 130 : 143);
      resolve(signal);
    };
  });
  const handler = (signal: NodeJS.Signals): void => onSignal(signal);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    first,
    stop: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/**
 * Runs ws-echo with `argv` (as `process.argv`): resolves with the exit code once the
 * server has stopped (0), failed to start (1) or the flags were wrong (2).
 */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const program = buildProgram(io);
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const flags = program.opts<ParsedFlags>();
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
    const server = await startEchoServerLogging(optionsFrom(flags), logger);
    const stopStdin = flags.stdin ? sendStdinLines(io.stdin ?? process.stdin, server, logger) : undefined;
    const received = await signals.first;
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
    if (error.exitCode === 2) {
      io.stderr.write(`error: ${error.message}\n(run ws-echo --help for usage)\n`);
    } else {
      logger.log({ event: 'error', message: error.message });
    }
    await logger.flush(1000);
    return error.exitCode;
  } finally {
    signals.stop();
  }
}
