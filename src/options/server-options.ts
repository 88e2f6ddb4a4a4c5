// The server-wide options as data: one row per startEchoServer() option or command-line setting, with its flags.
import {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_HOST,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_PORT,
  MIN_DEFAULT_MAX_FRAGMENTS,
  SMALLEST_EXPECTED_FRAGMENT,
} from '../core/constants';
import type { EchoMode, EchoServerOptions, LogOptions, TlsOptions } from '../core/types';
import { RULES, type NumberRule } from '../core/validate';
import { DEFAULT_MODE } from '../behaviour/modes';
import type { Behaviour } from '../behaviour/behaviour';
import type { ExtraHeaders } from '../protocols/extra-headers';
import type { ProtocolList } from '../protocols/subprotocols';

/**
 * How a setting's value is written and checked. Each kind has one check in the API (options/option-types.ts) and one
 * flag parser on the command line (cli/server-flags.ts), so a new option of a kind that exists is one row.
 */
export interface OptionKinds {
  /** A number under `rule`, written plain on the command line. */
  count: number;
  /** Bytes under `rule`; flags also take units (64KiB, 16MiB, 100MB). */
  size: number;
  /** Seconds under `rule`; flags also take units (500ms, 30s, 2m); resolved to milliseconds as `<option>Ms`. */
  duration: number;
  /** A string (`example` shows one). */
  text: string;
  /** A request path that a client can send (`/ws`). */
  path: string | undefined;
  /** True or false; a flag is present or absent (`--no-x` when the default is true). */
  switch: boolean;
  /** An echo mode. */
  mode: EchoMode;
  /** Origins (`https://example.com`), normalized. */
  origins: ReadonlySet<string> | undefined;
  /** Subprotocol names; `--no-protocol` lists none. */
  protocols: ProtocolList;
  /** Header lines added to every answer. */
  headers: ExtraHeaders;
  /** A certificate and key; on the command line two PEM files. */
  tls: TlsOptions | undefined;
  /** How to log; on the command line --quiet, --json and --no-color. */
  log: LogOptions | false;
  /** `--workers`: a count, or `auto` for one per CPU (the command line only). */
  workers: number;
}

/** A kind of value (a key of {@link OptionKinds}). */
export type OptionKind = keyof OptionKinds;

/** One flag of a row, as commander spells it, and its line in `--help`. */
export interface ServerFlag {
  /** Alias, long name and value placeholder: `-p, --port <port>`; `<name...>` takes several; `--no-x` negates. */
  readonly flag: string;
  /** Its line in `--help`. */
  readonly help: string;
  /** How `--help` words the default when it is no value the flag could be given (`any path`, `no limit`). */
  readonly shown?: string;
  /** An environment variable read when the flag is absent. */
  readonly env?: string;
}

/** The resolved options so far, for a default that depends on another option (`maxFragments` on `maxPayload`). */
export type ResolvedSoFar = Readonly<Record<string, unknown>>;

/** The kinds that are numbers: each needs a rule. */
export type NumberKind = 'count' | 'size' | 'duration' | 'workers';

/** A row's kind, and a number's allowed range (core/validate.ts): a number row without one does not compile. */
export type KindAndRule =
  | { readonly kind: NumberKind; readonly rule: NumberRule }
  | { readonly kind: Exclude<OptionKind, NumberKind>; readonly rule?: undefined };

/** One server-wide setting: its API option, its flags, its kind and rule, its default. */
export type ServerOption = KindAndRule & {
  /** The startEchoServer() option; absent for a setting of the command line only (`--workers`). */
  readonly option?: keyof EchoServerOptions;
  /** The value when the option is absent (the API's, and the command line's unless `cliDefault`). */
  readonly default?: string | number | boolean | ((resolved: ResolvedSoFar) => number);
  /** The command line's default when it differs from the API's (`--port` 8080, the API a free port). */
  readonly cliDefault?: number;
  /** For `text` and `path`: a value, for the error message of a value of another type. */
  readonly example?: string;
  /**
   * Its flags in `--help` order; `'behaviour'`: its flag is its row of BEHAVIOUR_PARAMETERS (it is also a
   * per-connection parameter); absent: an option of the API only.
   */
  readonly flags?: readonly ServerFlag[] | 'behaviour';
  /** The value the command line always passes (it has no flag for it). */
  readonly cliValue?: boolean;
};

/** The default fragment limit: a `maxPayload` message in 4 KiB fragments passes, whatever `maxPayload` is. */
export function defaultMaxFragments(maxPayload: number): number {
  return Math.max(MIN_DEFAULT_MAX_FRAGMENTS, Math.ceil(maxPayload / SMALLEST_EXPECTED_FRAGMENT));
}

/**
 * Every server-wide setting. Rows with flags appear in `--help` in this order; rows with an option are the
 * options startEchoServer() knows (with the per-connection ones of BEHAVIOUR_PARAMETERS), checked in this order.
 *
 * A new option is one row here, plus its line (with JSDoc) in `EchoServerOptions` (core/types.ts) when the API has
 * it, and the code that reads it from `ResolvedOptions`. A kind no row has yet also needs its check in
 * options/option-types.ts and, for a flag that is not plain text or a switch, its parser in cli/server-flags.ts.
 */
export const SERVER_OPTIONS = [
  { option: 'mode', kind: 'mode', default: DEFAULT_MODE, flags: 'behaviour' },
  {
    option: 'port',
    kind: 'count',
    rule: RULES.port,
    default: 0,
    cliDefault: DEFAULT_PORT,
    flags: [{ flag: '-p, --port <port>', help: 'port to listen on; 0 takes a free one', env: 'PORT' }],
  },
  {
    option: 'host',
    kind: 'text',
    default: DEFAULT_HOST,
    example: '"127.0.0.1"',
    flags: [
      { flag: '--host <host>', help: 'interface to bind; 0.0.0.0 exposes the server to the network', env: 'HOST' },
    ],
  },
  {
    option: 'path',
    kind: 'path',
    example: '"/ws"',
    flags: [{ flag: '--path <path>', help: 'accept upgrades only on this path; others get 404', shown: 'any path' }],
  },
  { option: 'bufferSize', kind: 'count', rule: RULES.bufferSize, default: DEFAULT_BUFFER_SIZE, flags: 'behaviour' },
  {
    option: 'maxPayload',
    kind: 'size',
    rule: RULES.maxPayload,
    default: DEFAULT_MAX_PAYLOAD,
    flags: [
      {
        flag: '--max-payload <size>',
        help: 'largest message accepted (bytes, or 64KiB, 16MiB...); larger closes the client with 1009',
        shown: '100MiB',
      },
    ],
  },
  {
    option: 'maxFragments',
    kind: 'count',
    rule: RULES.maxFragments,
    default: (resolved: ResolvedSoFar) => defaultMaxFragments(resolved.maxPayload as number),
    flags: [
      {
        flag: '--max-fragments <n>',
        help: 'most frames per message; more closes with 1008',
        shown: '--max-payload / 4096, min 16384',
      },
    ],
  },
  {
    option: 'maxConnections',
    kind: 'count',
    rule: RULES.maxConnections,
    default: Infinity,
    flags: [
      { flag: '--max-connections <n>', help: 'open connections allowed; past it upgrades get 503', shown: 'no limit' },
    ],
  },
  {
    option: 'idleTimeout',
    kind: 'duration',
    rule: RULES.idleTimeout,
    default: 0,
    flags: [
      {
        flag: '--idle-timeout <duration>',
        help: 'close clients silent this long (seconds, or 500ms, 2m...)',
        shown: 'off',
      },
    ],
  },
  { option: 'pingInterval', kind: 'duration', rule: RULES.pingInterval, default: 0, flags: 'behaviour' },
  {
    option: 'handshakeTimeout',
    kind: 'duration',
    rule: RULES.handshakeTimeout,
    default: DEFAULT_HANDSHAKE_TIMEOUT,
    flags: [
      {
        flag: '--handshake-timeout <duration>',
        help: 'time a client has to send its opening handshake',
        shown: '10s',
      },
    ],
  },
  { option: 'closeTimeout', kind: 'duration', rule: RULES.closeTimeout, default: DEFAULT_CLOSE_TIMEOUT },
  {
    option: 'origins',
    kind: 'origins',
    flags: [
      {
        flag: '--origin <origin...>',
        help: 'accept only upgrades from these origins (https://example.com); others get 403',
        shown: 'any',
      },
    ],
  },
  {
    option: 'protocols',
    kind: 'protocols',
    flags: [
      {
        flag: '--protocol <name...>',
        help: "subprotocols served: answer the first the client offers that is listed; '*' answers any",
        shown: "the client's first offer",
      },
      { flag: '--no-protocol', help: 'answer no subprotocol, whatever the client offers' },
    ],
  },
  {
    option: 'deflate',
    kind: 'switch',
    default: false,
    flags: [
      { flag: '--deflate', help: 'negotiate permessage-deflate compression (RFC 7692) with clients that offer it' },
    ],
  },
  {
    option: 'headers',
    kind: 'headers',
    flags: [
      { flag: '--header <line>', help: "add 'Name: value' to every answer (101, plain HTTP, refusals); repeatable" },
    ],
  },
  {
    option: 'tls',
    kind: 'tls',
    flags: [
      { flag: '--cert <file>', help: 'TLS certificate (PEM); serve wss:// (needs --key)' },
      { flag: '--key <file>', help: 'TLS private key (PEM) (needs --cert)' },
    ],
  },
  {
    kind: 'workers',
    default: 1,
    rule: RULES.workers,
    flags: [{ flag: '--workers <n>', help: 'server processes sharing the port, or auto: one per CPU' }],
  },
  {
    option: 'log',
    kind: 'log',
    default: false,
    flags: [
      { flag: '-q, --quiet', help: 'print only the listening line, warnings, errors and the summary' },
      { flag: '--json', help: 'log one JSON object per line' },
      { flag: '--no-color', help: 'no colors (also: NO_COLOR=1; FORCE_COLOR=1 forces them)' },
    ],
  },
  {
    kind: 'switch',
    flags: [
      {
        flag: '--stats',
        help: 'a status line each second: connections, messages and bytes per second, totals (--json: a stats event)',
      },
    ],
  },
  {
    option: 'metrics',
    kind: 'switch',
    default: true,
    flags: [{ flag: '--no-metrics', help: 'do not serve Prometheus metrics at GET /metrics (then 404)' }],
  },
  {
    kind: 'switch',
    flags: [{ flag: '--stdin', help: 'send each line of standard input to every open connection as a text message' }],
  },
  { option: 'echo', kind: 'switch', default: true },
  // The command line has no test to hand recordings to: a message costs nothing extra.
  { option: 'record', kind: 'switch', default: true, cliValue: false },
] as const satisfies readonly ServerOption[];

/** A row of the table, as written (its names are literal types). */
export type ServerOptionRow = (typeof SERVER_OPTIONS)[number];
/** A row that is a startEchoServer() option. */
export type ApiRow = Extract<ServerOptionRow, { option: string }>;
/** The startEchoServer() options the table holds. */
export type ServerOptionName = ApiRow['option'];

/** Where resolveOptions() puts a row's value: a duration in milliseconds as `<option>Ms`, others as the option. */
export type ResolvedName<R> = R extends { option: infer O extends string; kind: 'duration' }
  ? `${O}Ms`
  : R extends { option: infer O extends string }
    ? O
    : never;

/** Options with every default applied and times in milliseconds: one field per API row, and the behaviour. */
export type ResolvedOptions = { [R in ApiRow as ResolvedName<R>]: OptionKinds[R['kind']] } & {
  /** What a connection does when its URL asks for nothing else. */
  behaviour: Behaviour;
};

/** {@link ResolvedName} at run time. */
export function resolvedName(row: ServerOption & { option: string }): string {
  return row.kind === 'duration' ? `${row.option}Ms` : row.option;
}
