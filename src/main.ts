// The ws-echo command: runs the CLI and exits with its code.
import { runCli } from './cli/cli';
import { unblockTerminal } from './internals/node-streams';

// A slow terminal must not stall echoing: Node makes TTY writes blocking, so undo that and
// let the logger drop what the terminal cannot take. A reader that went away (EPIPE, as in
// `ws-echo --help | head -1`) must not crash us either.
for (const stream of [process.stdout, process.stderr]) {
  unblockTerminal(stream);
  stream.on('error', () => undefined);
}

runCli(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `ws-echo: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
