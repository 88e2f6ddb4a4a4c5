// The extra --help text (modes, examples, HTTP answers, exit codes), laid out in two columns that fit 80 columns.
import { MODES, MODE_NAMES } from '../behaviour/modes';

/** The width `--help` fits: what a terminal shows without wrapping. */
export const HELP_WIDTH = 80;

/** Splits `text` into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/**
 * Two-column rows, indented by 2: the left column padded to `leftWidth`, the right one
 * wrapped under itself. A left cell too wide for its column gets a line of its own.
 */
export function helpRows(
  rows: ReadonlyArray<readonly [string, string]>,
  leftWidth: number,
  width = HELP_WIDTH,
): string {
  const pad = ' '.repeat(2 + leftWidth + 1);
  return rows
    .flatMap(([left, right]) => {
      const [first, ...rest] = wrap(right, width - pad.length);
      const head = left.length <= leftWidth ? [`  ${left.padEnd(leftWidth)} ${first}`] : [`  ${left}`, pad + first];
      return [...head, ...rest.map((line) => pad + line)];
    })
    .join('\n');
}

/** `text` wrapped to `width` columns. */
export function helpParagraph(text: string, width = HELP_WIDTH): string {
  return wrap(text, width).join('\n');
}

/** What `--help` prints after the flags: the modes, examples, the plain HTTP answers and the exit codes. */
export function helpEpilogue(): string {
  const modes = helpRows(
    MODE_NAMES.map((name) => [name, MODES[name].summary] as const),
    14,
  );
  const examples = helpRows(EXAMPLES, 39);
  const http = helpRows(HTTP_ANSWERS, 15);
  const exitCodes = helpParagraph(
    'Exit codes: 0 stopped by SIGINT/SIGTERM, 1 runtime failure (port in use, bad certificate), 2 usage error.',
  );
  return `\nModes:\n${modes}\n\nExamples:\n${examples}\n\nOver HTTP, on the same port:\n${http}\n\n${exitCodes}`;
}

/** Commands worth copying, each with what it does. */
const EXAMPLES: ReadonlyArray<readonly [string, string]> = [
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
  ['ws-echo record --target URL --out f.jsonl', 'proxy clients to URL, write what they say'],
  ['ws-echo replay f.jsonl', 'play it back to each client (replay --help)'],
];

/** What the same port answers over plain HTTP. */
const HTTP_ANSWERS: ReadonlyArray<readonly [string, string]> = [
  ['GET /', 'in a browser: a console to connect, send, close; curl: the URL'],
  ['GET /healthz', 'readiness JSON'],
  ['GET /metrics', 'Prometheus metrics (off with --no-metrics)'],
];
