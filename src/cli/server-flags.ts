// The server-wide flags, generated from SERVER_OPTIONS: commander options, their parsers by kind, and the API options.
import { InvalidArgumentError, Option, type OptionValues } from 'commander';
import { EchoServerError } from '../core/errors';
import type { EchoServerOptions, LogOptions, TlsOptions } from '../core/types';
import { pathProblem } from '../core/validate';
import { normalizeOrigin } from '../protocols/http-syntax';
import { SERVER_OPTIONS, type OptionKind, type ServerFlag, type ServerOption } from '../options/server-options';
import { behaviourOptionsFrom } from './behaviour-flags';
import { headerFlag, headersFrom, noProtocolFlag, protocolFlag, protocolsFrom } from './negotiation-flags';
import { loadTlsFiles } from './tls-files';
import { loadRulesFile } from '../rules/rules-file';
import { durationFlag, numberFlag, sizeFlag, workersFlag } from './units';

/** A commander parser: the flag's text (and the value so far, for a flag given again) to its value. */
type FlagParser = (text: string, previous: never) => unknown;

/** How the command line reads one kind: the parser of its flag (of its `--no-` flag), and the option it gives. */
interface FlagKind {
  parse?: (row: ServerOption) => FlagParser;
  negated?: FlagParser;
  /** The API option from the values commander parsed, one per attribute of the row's flags; else the first. */
  toOption?: (values: unknown[]) => unknown;
}

/** `--path`: a path a request can have, else why not. */
function pathFlag(text: string): string {
  const problem = pathProblem(text);
  if (problem !== undefined) throw new InvalidArgumentError(`It ${problem}.`);
  return text;
}

/** Each `--origin`, normalized, added to those before it. */
function originFlag(text: string, previous: string[] | undefined): string[] {
  const origin = normalizeOrigin(text);
  if (origin === undefined)
    throw new InvalidArgumentError('It must be an origin like https://example.com, with no path.');
  return [...(previous ?? []), origin];
}

/** The `tls` option from `--cert` and `--key`: both files read and checked, or neither given. */
function tlsFrom([cert, key]: unknown[]): TlsOptions | undefined {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new EchoServerError('--cert and --key must be given together', 2);
  return loadTlsFiles(cert as string, key as string);
}

/** The `log` option from `--quiet`, `--json` and `--no-color`. */
function logFrom([quiet, json, color]: unknown[]): LogOptions {
  return {
    format: json ? 'json' : 'pretty',
    quiet: quiet as boolean | undefined,
    color: color === false ? false : undefined,
  };
}

/** Every kind a flag can be; a kind absent here takes its text as it is (`text`) or is present or not (`switch`). */
const FLAG_KINDS: Partial<Record<OptionKind, FlagKind>> = {
  count: { parse: (row) => numberFlag(row.rule!) },
  size: { parse: (row) => sizeFlag(row.rule!) },
  duration: { parse: (row) => durationFlag(row.rule!) },
  path: { parse: () => pathFlag },
  workers: { parse: () => workersFlag },
  origins: { parse: () => originFlag },
  protocols: { parse: () => protocolFlag, negated: noProtocolFlag, toOption: ([flag]) => protocolsFrom(flag as never) },
  headers: { parse: () => headerFlag, toOption: ([lines]) => headersFrom(lines as string[] | undefined) },
  tls: { toOption: tlsFrom },
  log: { toOption: logFrom },
  rules: { toOption: ([file]) => (file === undefined ? undefined : loadRulesFile(file as string)) },
};

/** The rows with flags of their own (the others are the API's only, or per-connection rows with their own flag). */
const FLAG_ROWS = (SERVER_OPTIONS as readonly ServerOption[]).filter(
  (row): row is ServerOption & { flags: readonly ServerFlag[] } => Array.isArray(row.flags),
);

/** One commander option: its parser by kind, its environment variable, and its default as `--help` shows it. */
function optionFor(row: ServerOption, flag: ServerFlag): Option {
  const takesValue = flag.flag.includes('<');
  const fallback = row.cliDefault ?? row.default;
  // commander fills in (and shows) a default a flag could be given; other defaults are words in the help line.
  const filled = takesValue && (typeof fallback === 'string' || Number.isFinite(fallback));
  const shown = !filled && flag.shown !== undefined ? ` (default: ${flag.shown})` : '';
  const option = new Option(flag.flag, `${flag.help}${shown}`);
  const kind = FLAG_KINDS[row.kind];
  const parse = option.negate ? kind?.negated : kind?.parse?.(row);
  if (parse) option.argParser(parse as (text: string, previous: never) => never);
  if (flag.env !== undefined) option.env(flag.env);
  if (filled) option.default(fallback, flag.shown);
  return option;
}

/** Every server-wide flag, in the table's order. */
export function serverFlags(): Option[] {
  return FLAG_ROWS.flatMap((row) => row.flags.map((flag) => optionFor(row, flag)));
}

/** What commander parsed for a row: one value per attribute its flags set (`--protocol`, `--no-protocol`: one). */
function flagValues(row: ServerOption & { flags: readonly ServerFlag[] }, flags: OptionValues): unknown[] {
  const names = new Set(row.flags.map((flag) => new Option(flag.flag).attributeName()));
  return [...names].map((name) => flags[name]);
}

/** The value of one API option from parsed flags (`log` before a logger exists). */
export function optionFromFlags<K extends keyof EchoServerOptions>(name: K, flags: OptionValues): EchoServerOptions[K] {
  const row = FLAG_ROWS.find((candidate) => candidate.option === name);
  if (row === undefined) return undefined;
  const toOption = FLAG_KINDS[row.kind]?.toOption;
  const values = flagValues(row, flags);
  return (toOption ? toOption(values) : values[0]) as EchoServerOptions[K];
}

/** Turns parsed flags (as `program.opts()` holds them) into startEchoServer() options. */
export function optionsFrom(flags: OptionValues): EchoServerOptions {
  const options: Record<string, unknown> = { ...behaviourOptionsFrom(flags) };
  for (const row of FLAG_ROWS) if (row.option !== undefined) options[row.option] = optionFromFlags(row.option, flags);
  for (const row of SERVER_OPTIONS as readonly ServerOption[])
    if (row.option !== undefined && row.cliValue !== undefined) options[row.option] = row.cliValue;
  return options as EchoServerOptions;
}
