// `ws-echo record` and `ws-echo replay`: each its own commander program, reusing the server's flags where they apply.
import { Command, CommanderError, Option } from 'commander';
import { EchoServerError } from '../core/errors';
import type { Logger } from '../log/logger';
import { createLogger } from '../log/logger';
import { previewOf } from '../log/log-format';
import type { MessageEvent } from '../core/log-events';
import { startRecorderLogging } from '../record/recorder';
import { ReplayFailedError } from '../replay/player';
import {
  playEveryConnection,
  playSettings,
  readTranscript,
  replayServerOptions,
  speedFromFlag,
} from '../replay/replay-server';
import { startEchoServerLogging } from '../server/server';
import { summaryEvent } from '../stats/summary';
import { HELP_WIDTH } from './help-text';
import { buildProgram, type CliIo } from './program';
import { optionFromFlags, optionsFrom, serverFlags } from './server-flags';
import { listenForSignals } from './signals';
import { targetTlsFlags, targetTlsFrom } from './target-tls';

/** The server flags `record` takes: where it listens and what it accepts. */
const RECORD_SERVER_FLAGS = [
  '--port',
  '--host',
  '--cert',
  '--key',
  '--max-payload',
  '--max-connections',
  '--handshake-timeout',
  '--quiet',
  '--json',
  '--no-color',
];

/** The two subcommands, by the word that names them. */
export const SUBCOMMANDS = ['record', 'replay'] as const;

/** Options a program needs, checked after parsing so that a misspelled flag is reported as unknown first. */
const REQUIRED: Record<string, string[]> = {
  'ws-echo record': ['--target <url>', '--out <file>'],
  'ws-echo replay': [],
};

/** Parses `argv` with `program`; the flags, or the exit code when there is nothing to run. */
function parse(program: Command, argv: string[]): Record<string, unknown> | number {
  try {
    program.parse(argv);
    for (const flags of REQUIRED[program.name()] ?? []) {
      // commander's own words for a missing required option
      if (program.getOptionValue(new Option(flags).attributeName()) === undefined)
        program.error(`error: required option '${flags}' not specified`, { exitCode: 2 });
    }
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return program.opts();
}

/** Shared set-up of both programs: help width, errors through `io`, no process exit. */
function configured(program: Command, io: CliIo): Command {
  return program
    .configureHelp({ helpWidth: HELP_WIDTH })
    .showHelpAfterError(`(run ${program.name()} --help for usage)`)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
}

/** The `ws-echo record` program. */
export function buildRecordProgram(io: CliIo): Command {
  const program = new Command('ws-echo record')
    .description('Listen like the server, proxy each client to --target, and write the conversation to --out.')
    .option('--target <url>', 'the ws:// or wss:// server to record (required)')
    .option('--out <file>', 'the transcript to write (JSON Lines; docs/transcripts.md): a new or empty file (required)')
    .option('--force', 'replace an --out file that exists and is not empty')
    .option(
      '--redact-header <name...>',
      'more request headers written as [redacted] (Authorization, Cookie, *token*, *secret*, *key* always are)',
    );
  for (const flag of targetTlsFlags()) program.addOption(flag);
  for (const flag of serverFlags()) if (RECORD_SERVER_FLAGS.includes(flag.long!)) program.addOption(flag);
  return configured(program, io);
}

/** The `ws-echo replay` program: every server flag, plus how to play. */
export function buildReplayProgram(io: CliIo): Command {
  const program = buildProgram(io)
    .name('ws-echo replay')
    .description('Serve a transcript: each connection plays the recorded one with its path (or the first).')
    .argument('<transcript>', 'the transcript file (JSON Lines; docs/transcripts.md)')
    .addOption(new Option('--replay-speed <n|max>', "recorded times divided by n; 'max': no waits").default('1'))
    .addOption(new Option('--speed <n|max>', 'the same as --replay-speed').conflicts('replaySpeed').hideHelp())
    .addOption(new Option('--replay-end <end>', 'after the script').choices(['close', 'stay-open', 'loop']))
    .showHelpAfterError('(run ws-echo replay --help for usage)');
  return program;
}

/** Warns that --target-* flags do nothing for a ws:// target, or that --target-insecure checks no certificate. */
function warnOfTargetTls(flags: Record<string, unknown>, logger: Logger): void {
  const given = targetTlsFlags()
    .map((flag) => flag.long!)
    .filter((long) => flags[new Option(long).attributeName()] !== undefined);
  if (given.length > 0 && new URL(flags.target as string).protocol === 'ws:')
    logger.log({ event: 'warning', message: `${given.join(', ')}: no effect, the target is ws:// (no TLS)` });
  else if (flags.targetInsecure)
    logger.log({ event: 'warning', message: "--target-insecure: the target's certificate is not checked" });
}

/** Runs `ws-echo record` until a signal, logging through `logger`. */
async function record(flags: Record<string, unknown>, logger: Logger, signal: Promise<string>): Promise<void> {
  const targetTls = targetTlsFrom(flags);
  const recorder = await startRecorderLogging(
    {
      target: flags.target as string,
      out: flags.out as string,
      overwrite: flags.force === true,
      port: optionFromFlags('port', flags),
      host: optionFromFlags('host', flags),
      tls: optionFromFlags('tls', flags),
      targetTls,
      maxPayload: optionFromFlags('maxPayload', flags),
      maxConnections: optionFromFlags('maxConnections', flags),
      handshakeTimeout: optionFromFlags('handshakeTimeout', flags),
      redactHeaders: flags.redactHeader as string[] | undefined,
    },
    logger,
  );
  warnOfTargetTls(flags, logger);
  const received = await signal;
  logger.log({ event: 'shutdown', reason: received, connections: recorder.connections() });
  await recorder.close();
}

/** The payload of a message a script sent, as bytes. */
function bytesOf(data: string | Buffer | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** A sent message's fields in a `message` log line. */
function messageOf(bytes: Buffer, isBinary: boolean): Pick<MessageEvent, 'type' | 'size' | 'preview' | 'truncated'> {
  return { type: isBinary ? 'binary' : 'text', size: bytes.length, ...previewOf(bytes, isBinary) };
}

/** Runs `ws-echo replay` until a signal; each mismatch is logged as a warning with its diff. */
async function replay(program: Command, logger: Logger, signal: Promise<string>): Promise<void> {
  const flags = program.opts();
  // Each connection's script runs in the process that holds it; one process keeps a replay's log and outcomes whole.
  if (flags.workers > 1) throw new EchoServerError('ws-echo replay runs in one process: drop --workers', 2);
  const speed = speedFromFlag(String(flags.speed ?? flags.replaySpeed));
  const settings = playSettings(speed, flags.replayEnd ?? 'close');
  settings.warn = (message) => logger.log({ event: 'warning', message });
  const transcript = readTranscript(program.args[0]);
  const options = { ...optionsFrom(flags), rules: undefined, ...replayServerOptions(transcript) };
  const server = await startEchoServerLogging(options, logger);
  logger.log({ event: 'replaying', file: program.args[0], connections: transcript.connections.length });
  const sent = { bytes: 0 }; // the server counts echoes only: what the script sends is added to the summary's "out"
  const report = (error: Error): void =>
    logger.log({ event: error instanceof ReplayFailedError ? 'error' : 'warning', message: error.message });
  playEveryConnection(server, transcript, settings, report, (id, data) => {
    const bytes = bytesOf(data);
    sent.bytes += bytes.length;
    if (logger.logsMessages)
      logger.log({ event: 'message', id, sent: true, ...messageOf(bytes, typeof data !== 'string') });
  });
  const received = await signal;
  logger.log({ event: 'shutdown', reason: received, connections: server.connections() });
  await server.close();
  const summary = summaryEvent(server.stats());
  logger.log({ ...summary, bytesEchoed: summary.bytesEchoed + sent.bytes });
}

/** Runs `ws-echo record ...` or `ws-echo replay ...` (`argv` as `process.argv`); resolves with the exit code. */
export async function runSubcommand(argv: string[], io: CliIo): Promise<number> {
  const isRecord = argv[2] === 'record';
  const program = isRecord ? buildRecordProgram(io) : buildReplayProgram(io);
  const flags = parse(program, [argv[0], argv[1], ...argv.slice(3)]);
  if (typeof flags === 'number') return flags;
  const logger = createLogger({ ...optionFromFlags('log', flags), stdout: io.stdout, stderr: io.stderr });
  const signals = listenForSignals();
  try {
    if (isRecord) await record(flags, logger, signals.first);
    else await replay(program, logger, signals.first);
    await logger.flush(1000);
    return 0;
  } catch (error) {
    if (!(error instanceof EchoServerError)) throw error;
    io.stderr.write(`error: ${error.cliMessage ?? error.message}\n`);
    return error.exitCode;
  } finally {
    signals.stop();
  }
}
