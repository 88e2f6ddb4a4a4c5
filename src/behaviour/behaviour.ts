// One connection's behaviour: the server's defaults (flags, API options) with its URL's query on top.
import { EchoServerError } from '../core/errors';
import { closestName } from '../core/suggest';
import type { BehaviourOptions, EchoMode } from '../core/types';
import { BEHAVIOUR_PARAMETERS, parameterNamed, type BehaviourParameter } from './parameters';
import {
  checkParameterValue,
  describeAllowedInApi,
  formatParameterValue,
  parseParameterText,
  ParameterValueError,
  type ParameterValue,
} from './values';

/** A connection's behaviour with every default applied; optional fields are faults that are off. */
export type Behaviour = Readonly<BehaviourOptions> & {
  readonly mode: EchoMode;
  readonly bufferSize: number;
  readonly closeCode: number;
  readonly pingInterval: number;
};

/**
 * A behaviour's ping interval in milliseconds: the one place the user's seconds (`ping-interval`, `pingInterval`)
 * become the form the server runs on.
 */
export function pingIntervalMs(behaviour: Behaviour): number {
  return Math.round(behaviour.pingInterval * 1000);
}

/** Plain echo: the table's defaults and no fault. */
export const PLAIN_BEHAVIOUR: Behaviour = Object.freeze(
  Object.fromEntries(
    BEHAVIOUR_PARAMETERS.filter((p) => p.default !== undefined).map((p) => [p.option, p.default]),
  ) as Behaviour,
);

/** Shows a value in a message, escaped and cut short (it may be anything a client sent). */
function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value); // an API value, as written
  const text = typeof value === 'string' ? value : Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * close-code and close-reason only say how close-after closes: given without it they would
 * do nothing, so they are refused. Returns why, naming each parameter by `name` (URL, flag
 * or option form), or undefined when they are fine.
 */
export function closeAfterMissing(
  given: Readonly<Record<string, unknown>>,
  name: (p: BehaviourParameter) => string,
): string | undefined {
  if (given.closeAfter !== undefined) return undefined;
  const alone = BEHAVIOUR_PARAMETERS.filter(
    (p) => (p.option === 'closeCode' || p.option === 'closeReason') && given[p.option] !== undefined,
  );
  if (alone.length === 0) return undefined;
  const closeAfter = name(parameterNamed('close-after') as BehaviourParameter);
  return `${alone.map(name).join(' and ')} ${alone.length > 1 ? 'need' : 'needs'} ${closeAfter}: ${alone.length > 1 ? 'they say' : 'it says'} how the close that ${closeAfter} starts ends the connection`;
}

/**
 * Checks the behaviour options of {@link startEchoServer} and applies the defaults: the
 * behaviour of a connection whose URL asks for nothing. Throws {@link EchoServerError} (exit 2).
 */
export function resolveBehaviour(options: BehaviourOptions): Behaviour {
  const resolved: Record<string, ParameterValue> = { ...PLAIN_BEHAVIOUR };
  for (const p of BEHAVIOUR_PARAMETERS) {
    const value = options[p.option];
    if (value === undefined) continue;
    try {
      resolved[p.option] = checkParameterValue(p, value);
    } catch (error) {
      if (!(error instanceof ParameterValueError)) throw error;
      throw new EchoServerError(`${p.option} must be ${describeAllowedInApi(p)}, got ${shown(value)}`, 2);
    }
  }
  const missing = closeAfterMissing(options as Record<string, unknown>, (p) => p.option);
  if (missing) throw new EchoServerError(missing, 2);
  return resolved as Behaviour;
}

/** The query of a request target (`/path?a=1` gives `a=1`), or '' when it has none. */
function queryOf(url: string | undefined): string {
  const at = url?.indexOf('?') ?? -1;
  return at === -1 ? '' : url!.slice(at + 1);
}

/** A behaviour for one connection, or why its URL is refused (HTTP 400). */
export type ChosenBehaviour =
  | { behaviour: Behaviour; error?: undefined; unknown?: UnknownParameters }
  | { behaviour?: undefined; error: string; unknown?: undefined };

/**
 * Query names ws-echo does not read, as the client wrote them (decoded; a long one cut to
 * {@link UNKNOWN_NAME_CHARS} characters and `…`), with the closest known name when one is.
 */
export type UnknownParameters = ReadonlyArray<{ readonly name: string; readonly didYouMean?: string }>;

/** At most this many unknown names are kept for one request (a URL can hold thousands); the rest are not named. */
export const MAX_UNKNOWN_NAMED = 16;

/** Every query name ws-echo reads: the behaviour parameters (the server reads no other). */
export const KNOWN_QUERY_NAMES: readonly string[] = BEHAVIOUR_PARAMETERS.map((p) => p.name);

/** Characters of an unknown name kept (a URL may carry a name of 15,000): a longer one is cut and ends in `…`. */
export const UNKNOWN_NAME_CHARS = 64;

/** `name`, or its first {@link UNKNOWN_NAME_CHARS} characters (whole code points) and `…`. */
function cutName(name: string): string {
  if (name.length <= UNKNOWN_NAME_CHARS) return name;
  const chars = Array.from(name.slice(0, 2 * UNKNOWN_NAME_CHARS));
  if (chars.length <= UNKNOWN_NAME_CHARS && name.length <= 2 * UNKNOWN_NAME_CHARS) return name;
  return `${chars.slice(0, UNKNOWN_NAME_CHARS).join('')}…`;
}

/** Adds `name` (cut) to `unknown` with its suggestion, once, up to {@link MAX_UNKNOWN_NAMED}. */
function noteUnknown(unknown: Array<{ name: string; didYouMean?: string }>, whole: string): void {
  const name = cutName(whole);
  if (unknown.length >= MAX_UNKNOWN_NAMED || unknown.some((u) => u.name === name)) return;
  // 2 edits, not the flags' 3: an app's own `token` is not a mistyped `mode`.
  const near = name === whole ? closestName(name, KNOWN_QUERY_NAMES, 2) : undefined;
  unknown.push(near === undefined ? { name } : { name, didYouMean: near });
}

/**
 * The behaviour a request to `url` asks for, on top of `defaults`. Parameters ws-echo does
 * not know are left alone (clients add their own, such as tokens) and named in `unknown`; a known one given twice
 * or with a bad value is an error naming it, its value and what is allowed.
 */
export function behaviourFromUrl(url: string | undefined, defaults: Behaviour): ChosenBehaviour {
  const query = queryOf(url);
  if (query === '') return { behaviour: defaults };
  const chosen: Record<string, ParameterValue> = {};
  const seen = new Set<BehaviourParameter>();
  const unknown: Array<{ name: string; didYouMean?: string }> = [];
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const name = decode(rawName) ?? rawName;
    const p = parameterNamed(name);
    if (!p) {
      if (name !== '') noteUnknown(unknown, name);
      continue;
    }
    const text = equals === -1 ? undefined : decode(pair.slice(equals + 1));
    if (text === null) return { error: `${p.name} is not valid percent-encoding: ${shown(pair.slice(equals + 1))}` };
    if (seen.has(p)) return { error: `${p.name} is given twice; give it once` };
    seen.add(p);
    try {
      chosen[p.option] = parseParameterText(p, text);
    } catch (error) {
      if (!(error instanceof ParameterValueError)) throw error;
      return { error: `${p.name}=${text === undefined ? '' : shown(text)} is not allowed: ${p.name} ${error.message}` };
    }
  }
  const missing = closeAfterMissing({ closeAfter: defaults.closeAfter, ...chosen }, (p) => p.name);
  if (missing) return { error: missing };
  const behaviour = seen.size === 0 ? defaults : { ...defaults, ...chosen };
  return unknown.length === 0 ? { behaviour } : { behaviour, unknown };
}

/** `application/x-www-form-urlencoded` decoding (`+` is a space); null when the percent-encoding is broken. */
function decode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * What differs from plain echo, by URL name and in URL form (`{ mode: 'forever', delay: '10-50' }`),
 * in the table's order: the log's view of a connection, where a mistyped parameter shows by its absence.
 */
export function describeBehaviour(behaviour: Behaviour): Record<string, string | number | boolean> {
  const described: Record<string, string | number | boolean> = {};
  for (const p of BEHAVIOUR_PARAMETERS) {
    const value = behaviour[p.option] as ParameterValue | undefined;
    if (value === undefined || value === false || value === p.default) continue;
    described[p.name] = formatParameterValue(value);
  }
  return described;
}
