// Fills in defaults for startEchoServer() and rejects values that make no sense, row by row of SERVER_OPTIONS.
import { EchoServerError } from '../core/errors';
import type { EchoServerOptions } from '../core/types';
import { resolveBehaviour } from '../behaviour/behaviour';
import { BEHAVIOUR_PARAMETERS } from '../behaviour/parameters';
import { API_KINDS, show } from './option-types';
import {
  SERVER_OPTIONS,
  resolvedName,
  type ResolvedOptions,
  type ResolvedSoFar,
  type ServerOption,
} from './server-options';
import { closestName } from '../core/suggest';

export type { ResolvedOptions } from './server-options';
export { defaultMaxFragments } from './server-options';

/** The rows that are startEchoServer() options. */
const API_ROWS = (SERVER_OPTIONS as readonly ServerOption[]).filter(
  (row): row is ServerOption & { option: keyof EchoServerOptions } => row.option !== undefined,
);

/** Every option startEchoServer() knows: the table's, then the per-connection ones not in it. */
export const KNOWN_OPTIONS: readonly string[] = [
  ...new Set<string>([...API_ROWS.map((row) => row.option), ...BEHAVIOUR_PARAMETERS.map((p) => p.option)]),
];
const KNOWN = new Set(KNOWN_OPTIONS);

/** Settings only the command line has (rows with flags and no API option), by their flag's camelCase name. */
const CLI_ONLY = new Map(
  (SERVER_OPTIONS as readonly ServerOption[])
    .filter((row) => row.option === undefined && Array.isArray(row.flags))
    .flatMap((row) => (row.flags as readonly { flag: string }[]).map((f) => /--([a-z-]+)/.exec(f.flag)![1]))
    .map((flag) => [flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), `--${flag}`] as const),
);

/** Refuses names no row knows, suggesting the closest known one for each ("Did you mean port?"). */
function refuseUnknown(options: object): void {
  const unknown = Object.keys(options).filter((key) => !KNOWN.has(key));
  if (unknown.length === 0) return;
  const cliOnly = unknown.find((name) => CLI_ONLY.has(name));
  if (cliOnly !== undefined)
    throw new EchoServerError(
      `${cliOnly} is a command-line setting only (${CLI_ONLY.get(cliOnly)}), not a startEchoServer() option`,
      2,
    );
  const guesses = unknown.flatMap((name) => {
    const guess = closestName(name, KNOWN_OPTIONS);
    return guess === undefined ? [] : [unknown.length > 1 ? `${guess} for ${name}` : guess];
  });
  const hint = guesses.length > 0 ? `. Did you mean ${guesses.join(', ')}?` : '';
  throw new EchoServerError(`unknown option ${unknown.join(', ')}; known: ${KNOWN_OPTIONS.join(', ')}${hint}`, 2);
}

/** One row's value: checked by its kind when given, its default otherwise. */
function resolveRow(row: ServerOption & { option: string }, value: unknown, resolved: ResolvedSoFar): unknown {
  const kind = API_KINDS[row.kind];
  if (value !== undefined) return kind.resolve(value, row, row.option);
  const fallback = typeof row.default === 'function' ? row.default(resolved) : row.default;
  return kind.absent ? kind.absent(fallback) : fallback;
}

/** Throws {@link EchoServerError} (exit code 2) unless `options` is a plain object; JavaScript can pass anything. */
export function checkOptionsObject(options: unknown): asserts options is EchoServerOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new EchoServerError(`options must be an object, got ${show(options)}`, 2);
}

/** Applies defaults and checks every option; throws {@link EchoServerError} (exit code 2) on a bad value. */
export function resolveOptions(options: EchoServerOptions = {}): ResolvedOptions {
  checkOptionsObject(options);
  refuseUnknown(options);
  const resolved: Record<string, unknown> = {};
  for (const row of API_ROWS) resolved[resolvedName(row)] = resolveRow(row, options[row.option], resolved);
  resolved.behaviour = resolveBehaviour(options);
  return resolved as ResolvedOptions;
}
