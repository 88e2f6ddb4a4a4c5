// Checks the type of each startEchoServer() option before its value is: a JavaScript caller can pass anything.
import { EchoServerError } from '../core/errors';
import type { EchoServerOptions } from '../core/types';
import { checkLogOptions } from '../log/log-options';

const show = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object' && value
        ? 'an object'
        : String(value);

const isString = (value: unknown): boolean => typeof value === 'string';
const isStringArray = (value: unknown): boolean => Array.isArray(value) && value.every(isString);
const isPem = (value: unknown): boolean => typeof value === 'string' || Buffer.isBuffer(value);
const isPlainObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Options whose type is checked here (numbers, behaviours and protocols are checked with their values elsewhere). */
const TYPES: Partial<Record<keyof EchoServerOptions, [check: (value: unknown) => boolean, allowed: string]>> = {
  host: [isString, 'a string such as "127.0.0.1"'],
  path: [isString, 'a string such as "/ws"'],
  origins: [isStringArray, 'an array of origins such as ["https://example.com"]'],
  headers: [isPlainObject, 'an object such as { "X-Server": "ws-echo" }'],
  deflate: [(value) => typeof value === 'boolean', 'true or false'],
  metrics: [(value) => typeof value === 'boolean', 'true or false'],
  tls: [
    (value) =>
      isPlainObject(value) &&
      [(value as { cert?: unknown }).cert, (value as { key?: unknown }).key].every(
        (pem) => pem === undefined || isPem(pem),
      ),
    '{ cert, key } with PEM strings or Buffers',
  ],
};

/** Throws {@link EchoServerError} (exit code 2) naming the first option of the wrong type and what it allows. */
export function checkOptionTypes(options: EchoServerOptions): void {
  if (typeof options !== 'object' || options === null)
    throw new EchoServerError(`options must be an object, got ${show(options)}`, 2);
  for (const [name, [check, allowed]] of Object.entries(TYPES) as Array<
    [string, [(value: unknown) => boolean, string]]
  >) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && !check(value))
      throw new EchoServerError(`${name} must be ${allowed}, got ${show(value)}`, 2);
  }
  checkLogOptions(options.log);
}
