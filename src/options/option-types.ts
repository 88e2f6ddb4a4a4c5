// How startEchoServer() checks and resolves an option of each kind: a JavaScript caller can pass anything.
import { EchoServerError } from '../core/errors';
import type { LogOptions, TlsOptions } from '../core/types';
import { describeRule, fitsRule, pathProblem } from '../core/validate';
import { MODE_NAMES, isEchoMode } from '../behaviour/modes';
import { checkLogOptions } from '../log/log-options';
import { normalizeOrigin } from '../protocols/http-syntax';
import { checkHeaderRecord } from '../protocols/extra-headers';
import { checkProtocolList } from '../protocols/subprotocols';
import { compileRules } from '../rules/compile';
import type { OptionKinds, ServerOption } from './server-options';

/** A value in an error message. */
export const show = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object' && value
        ? 'an object'
        : String(value);

const isString = (value: unknown): value is string => typeof value === 'string';
const isPem = (value: unknown): boolean => typeof value === 'string' || Buffer.isBuffer(value);
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A usage error (exit code 2) naming the option, what it allows and what it got. */
function wrongType(name: string, allowed: string, value: unknown): EchoServerError {
  return new EchoServerError(`${name} must be ${allowed}, got ${show(value)}`, 2);
}

/** Runs a check from protocols/ and turns its Error into a usage error naming the option. */
function checked<T>(option: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new EchoServerError(`${option}: ${(error as Error).message}`, 2);
  }
}

/** A number the row's rule allows. */
function numberUnder(value: unknown, row: ServerOption, name: string): number {
  const rule = row.rule ?? { min: -Infinity, max: Infinity, integer: false };
  if (!fitsRule(value, rule)) throw new EchoServerError(`${name} must be ${describeRule(rule)}, got ${show(value)}`, 2);
  return value;
}

/** A string. */
function textValue(value: unknown, row: ServerOption, name: string): string {
  if (!isString(value)) throw wrongType(name, `a string such as ${row.example ?? '"text"'}`, value);
  return value;
}

/** A string that a request's path can equal. */
function pathValue(value: unknown, row: ServerOption, name: string): string {
  const problem = pathProblem(textValue(value, row, name));
  if (problem !== undefined) throw new EchoServerError(`${name} ${problem}, got ${JSON.stringify(value)}`, 2);
  return value as string;
}

/** Origins as a set of their normal forms (`https://Example.com:443` is `https://example.com`). */
function originSet(value: unknown, _row: ServerOption, name: string): ReadonlySet<string> {
  if (!Array.isArray(value) || !value.every(isString))
    throw wrongType(name, 'an array of origins such as ["https://example.com"]', value);
  const origins = value.map((text) => {
    const origin = normalizeOrigin(text);
    if (origin === undefined)
      throw new EchoServerError(
        `${name}: ${JSON.stringify(text)} is not an origin like https://example.com (no path)`,
        2,
      );
    return origin;
  });
  return new Set(origins);
}

/** A certificate and a key, both PEM text or Buffers. */
function tlsValue(value: unknown, _row: ServerOption, name: string): TlsOptions {
  const pems = isPlainObject(value) ? [value.cert, value.key] : undefined;
  if (pems === undefined || !pems.every((pem) => pem === undefined || isPem(pem)))
    throw wrongType(name, '{ cert, key } with PEM strings or Buffers', value);
  if (!pems[0] || !pems[1]) throw new EchoServerError(`${name} needs both cert and key`, 2);
  return value as unknown as TlsOptions;
}

/** How one kind is checked and resolved: `resolve` gets a value that is not undefined; `absent` the row's default. */
interface ApiKind<T> {
  resolve(value: unknown, row: ServerOption, name: string): T;
  absent?(fallback: unknown): T;
}

/** Every kind an API option can be (`workers` is the command line's only). */
export const API_KINDS: { [K in keyof OptionKinds]: ApiKind<OptionKinds[K]> } = {
  count: { resolve: numberUnder },
  size: { resolve: numberUnder },
  duration: {
    resolve: (value, row, name) => Math.round(numberUnder(value, row, name) * 1000),
    absent: (seconds) => Math.round((seconds as number) * 1000),
  },
  text: { resolve: textValue },
  path: { resolve: pathValue },
  switch: {
    resolve: (value, _row, name) => {
      if (typeof value !== 'boolean') throw wrongType(name, 'true or false', value);
      return value;
    },
  },
  mode: {
    resolve: (value, _row, name) => {
      if (typeof value !== 'string' || !isEchoMode(value))
        throw new EchoServerError(`${name} must be one of ${MODE_NAMES.join(', ')}, got ${JSON.stringify(value)}`, 2);
      return value;
    },
  },
  origins: { resolve: originSet },
  protocols: { resolve: (value, _row, name) => checked(name, () => checkProtocolList(value as string[])) },
  headers: {
    resolve: (value, _row, name) => {
      if (!isPlainObject(value)) throw wrongType(name, 'an object such as { "X-Server": "ws-echo" }', value);
      return checked(name, () => checkHeaderRecord(value as Record<string, string | string[]>));
    },
    absent: () => [],
  },
  tls: { resolve: tlsValue },
  log: {
    resolve: (value) => {
      checkLogOptions(value);
      return value as LogOptions | false;
    },
  },
  workers: { resolve: numberUnder },
  rules: { resolve: (value, _row, name) => checked(name, () => compileRules(value)) },
};
