// Fills in defaults for startEchoServer() and rejects values that make no sense.
import {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_HOST,
  DEFAULT_MAX_PAYLOAD,
  MIN_DEFAULT_MAX_FRAGMENTS,
  SMALLEST_EXPECTED_FRAGMENT,
} from '../core/constants';
import { EchoServerError } from '../core/errors';
import { normalizeOrigin } from '../protocols/http-syntax';
import { checkOptionTypes } from './option-types';
import { DEFAULT_MODE, MODE_NAMES, isEchoMode } from '../behaviour/modes';
import { resolveBehaviour, type Behaviour } from '../behaviour/behaviour';
import { BEHAVIOUR_PARAMETERS } from '../behaviour/parameters';
import type { EchoMode, EchoServerOptions, LogOptions, TlsOptions } from '../core/types';
import { RULES, describeRule, fitsRule, pathProblem, type NumberRule } from '../core/validate';
import { checkHeaderRecord, type ExtraHeaders } from '../protocols/extra-headers';
import { checkProtocolList, type ProtocolList } from '../protocols/subprotocols';

/** Options with every default applied and times in milliseconds. */
export interface ResolvedOptions {
  mode: EchoMode;
  port: number;
  host: string;
  path: string | undefined;
  bufferSize: number;
  maxPayload: number;
  maxFragments: number;
  maxConnections: number;
  idleTimeoutMs: number;
  pingIntervalMs: number;
  handshakeTimeoutMs: number;
  closeTimeoutMs: number;
  origins: ReadonlySet<string> | undefined;
  tls: TlsOptions | undefined;
  log: LogOptions | false;
  metrics: boolean;
  protocols: ProtocolList;
  deflate: boolean;
  headers: ExtraHeaders;
  /** What a connection does when its URL asks for nothing else. */
  behaviour: Behaviour;
  echo: boolean;
  record: boolean;
}

function numberOption(name: keyof typeof RULES, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const rule: NumberRule = RULES[name];
  if (!fitsRule(value, rule))
    throw new EchoServerError(`${name} must be ${describeRule(rule)}, got ${String(value)}`, 2);
  return value;
}

/** Runs a check from protocols/ and turns its Error into a usage error naming the option. */
function checked<T>(option: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new EchoServerError(`${option}: ${(error as Error).message}`, 2);
  }
}

function checkOrigin(text: string): string {
  const origin = normalizeOrigin(text);
  if (origin === undefined)
    throw new EchoServerError(
      `origins: ${JSON.stringify(text)} is not an origin like https://example.com (no path)`,
      2,
    );
  return origin;
}

const KNOWN_OPTIONS = new Set<string>([
  'mode',
  'port',
  'host',
  'path',
  'bufferSize',
  'maxPayload',
  'maxFragments',
  'maxConnections',
  'idleTimeout',
  'pingInterval',
  'handshakeTimeout',
  'closeTimeout',
  'origins',
  'tls',
  'log',
  'echo',
  'record',
  'metrics',
  'protocols',
  'deflate',
  'headers',
  ...BEHAVIOUR_PARAMETERS.map((p) => p.option),
] satisfies Array<keyof EchoServerOptions>);

/** The default fragment limit: a `maxPayload` message in 4 KiB fragments passes, whatever `maxPayload` is. */
export function defaultMaxFragments(maxPayload: number): number {
  return Math.max(MIN_DEFAULT_MAX_FRAGMENTS, Math.ceil(maxPayload / SMALLEST_EXPECTED_FRAGMENT));
}

function booleanOption(name: 'echo' | 'record', value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean')
    throw new EchoServerError(`${name} must be true or false, got ${JSON.stringify(value)}`, 2);
  return value;
}

/** Applies defaults and checks every option; throws {@link EchoServerError} (exit code 2) on a bad value. */
export function resolveOptions(options: EchoServerOptions = {}): ResolvedOptions {
  checkOptionTypes(options);
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0)
    throw new EchoServerError(`unknown option ${unknown.join(', ')}; known: ${[...KNOWN_OPTIONS].join(', ')}`, 2);
  const mode = options.mode ?? DEFAULT_MODE;
  if (!isEchoMode(mode))
    throw new EchoServerError(`mode must be one of ${MODE_NAMES.join(', ')}, got ${JSON.stringify(mode)}`, 2);
  const badPath = options.path === undefined ? undefined : pathProblem(options.path);
  if (badPath !== undefined) throw new EchoServerError(`path ${badPath}, got ${JSON.stringify(options.path)}`, 2);
  if (options.tls && (!options.tls.cert || !options.tls.key)) {
    throw new EchoServerError('tls needs both cert and key', 2);
  }
  const seconds = (
    name: 'idleTimeout' | 'pingInterval' | 'handshakeTimeout' | 'closeTimeout',
    fallback: number,
  ): number => Math.round(numberOption(name, options[name], fallback) * 1000);
  const maxPayload = numberOption('maxPayload', options.maxPayload, DEFAULT_MAX_PAYLOAD);
  return {
    mode,
    port: numberOption('port', options.port, 0),
    host: options.host ?? DEFAULT_HOST,
    path: options.path,
    bufferSize: numberOption('bufferSize', options.bufferSize, DEFAULT_BUFFER_SIZE),
    maxPayload,
    maxFragments: numberOption('maxFragments', options.maxFragments, defaultMaxFragments(maxPayload)),
    maxConnections: numberOption('maxConnections', options.maxConnections, Infinity),
    idleTimeoutMs: seconds('idleTimeout', 0),
    pingIntervalMs: seconds('pingInterval', 0),
    handshakeTimeoutMs: seconds('handshakeTimeout', DEFAULT_HANDSHAKE_TIMEOUT),
    closeTimeoutMs: seconds('closeTimeout', DEFAULT_CLOSE_TIMEOUT),
    origins: options.origins ? new Set(options.origins.map(checkOrigin)) : undefined,
    tls: options.tls,
    log: options.log ?? false,
    metrics: options.metrics ?? true,
    protocols: options.protocols && checked('protocols', () => checkProtocolList(options.protocols ?? [])),
    deflate: options.deflate === true,
    headers: options.headers ? checked('headers', () => checkHeaderRecord(options.headers ?? {})) : [],
    behaviour: resolveBehaviour(options),
    echo: booleanOption('echo', options.echo),
    record: booleanOption('record', options.record),
  };
}
