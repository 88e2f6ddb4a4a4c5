// The commander program: the server-wide flags and the per-connection ones, each generated from its table.
import { Command } from 'commander';
import type { Readable, Writable } from 'node:stream';
import { versionLine } from '../sea/bufferutil-status';
import { behaviourFlags } from './behaviour-flags';
import { HELP_WIDTH, helpEpilogue } from './help-text';
import { serverFlags } from './server-flags';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

/** Where the CLI writes; tests may pass their own. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** What `--stdin` reads (default `process.stdin`). */
  stdin?: Readable;
}

/** Builds the commander program; exported so tests and `--help` share it. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('ws-echo')
    .description('A WebSocket echo server: four echo modes, from naive to RFC 6455-correct.')
    .version(
      versionLine(version),
      '-V, --version',
      'print the version, and how frames are masked (bufferutil: native or javascript)',
    );
  serverFlags().forEach((option) => program.addOption(option));
  program
    .configureHelp({ helpWidth: HELP_WIDTH })
    .addHelpText('after', helpEpilogue())
    .showHelpAfterError('(run ws-echo --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  behaviourFlags().forEach((option) => program.addOption(option));
  return program;
}
