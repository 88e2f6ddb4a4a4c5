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
import { RULES } from '../core/validate';
import { DEFAULT_MODE } from '../behaviour/modes';
import type { Behaviour } from '../behaviour/behaviour';
import type { OptionKinds, ResolvedSoFar, ServerOption } from './option-row';

export type {
  KindAndRule,
  NumberKind,
  OptionKind,
  OptionKinds,
  ResolvedSoFar,
  ServerFlag,
  ServerOption,
} from './option-row';

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
    option: 'h2',
    kind: 'switch',
    default: false,
    flags: [
      {
        flag: '--h2',
        help: 'also serve WebSockets over HTTP/2 (RFC 8441) on the same port: h2c in clear text, ALPN h2 with --cert',
      },
    ],
  },
  {
    option: 'h2Advertise',
    kind: 'switch',
    default: true,
    flags: [
      {
        flag: '--no-h2-advertise',
        help: 'with --h2, do not advertise RFC 8441 (SETTINGS_ENABLE_CONNECT_PROTOCOL): clients use HTTP/1.1 for WebSockets',
      },
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
  {
    option: 'strict',
    kind: 'switch',
    default: false,
    flags: [
      {
        flag: '--strict-params',
        help: 'refuse an upgrade whose URL has a query parameter ws-echo does not know (400, with "did you mean")',
      },
    ],
  },
  {
    option: 'rules',
    kind: 'rules',
    flags: [
      {
        flag: '--rules <file>',
        help: 'answer messages by the rules in this JSON or JSON Lines file instead of echoing',
      },
    ],
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
