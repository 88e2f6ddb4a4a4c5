// JSON patterns: a subset of a text message parsed as JSON, with `$name` placeholders and RegExp leaves capturing.
import type { JsonPattern, RuleCaptures } from '../core/rule-types';
import { wholeReference } from './templates';

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

/** Whether `value` is a plain object (not an array, not null). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/** Keeps a capture as `captures`' own key (one named `__proto__` is a capture, not the object's prototype). */
export function keepCapture(captures: RuleCaptures, name: string, value: unknown): void {
  Object.defineProperty(captures, name, { value, enumerable: true, writable: true, configurable: true });
}

/** Named groups of a RegExp leaf into `captures`. */
function captureGroups(match: RegExpExecArray, captures: RuleCaptures): void {
  if (match.groups) for (const [name, text] of Object.entries(match.groups)) keepCapture(captures, name, text);
}

/** Whether `value` matches `pattern` (see {@link JsonPattern}); what the pattern captures goes into `captures`. */
export function matchJson(pattern: JsonPattern, value: unknown, captures: RuleCaptures): boolean {
  if (typeof pattern === 'string') {
    const name = wholeReference(pattern);
    if (name === undefined) return value === pattern.replace(/^\$\$/, '$');
    if (value === undefined) return false;
    keepCapture(captures, name, value);
    return true;
  }
  if (pattern instanceof RegExp) {
    if (typeof value !== 'string') return false;
    pattern.lastIndex = 0;
    const match = pattern.exec(value);
    if (match) captureGroups(match, captures);
    return match !== null;
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value) || value.length !== pattern.length) return false;
    return pattern.every((item: JsonPattern, index) => matchJson(item, value[index], captures));
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (!isPlainObject(value)) return false;
    return Object.entries(pattern).every(([key, item]) => hasOwn(value, key) && matchJson(item, value[key], captures));
  }
  return value === pattern;
}

/**
 * Checks a JSON pattern as written, and returns the names it captures; throws an Error saying where it is wrong
 * (`at .params[0]: a function is not JSON`).
 */
export function checkJsonPattern(pattern: unknown, where = ''): string[] {
  const at = where === '' ? '' : ` at ${where}`;
  if (typeof pattern === 'string') {
    const name = wholeReference(pattern);
    return name === undefined ? [] : [name];
  }
  if (pattern === null || typeof pattern === 'boolean') return [];
  if (typeof pattern === 'number') {
    if (!Number.isFinite(pattern)) throw new Error(`${pattern} is not a JSON number${at}`);
    return [];
  }
  if (pattern instanceof RegExp) return Object.keys(new RegExp(`${pattern.source}|`).exec('')!.groups ?? {});
  if (Array.isArray(pattern)) return pattern.flatMap((item, index) => checkJsonPattern(item, `${where}[${index}]`));
  if (isPlainObject(pattern))
    return Object.entries(pattern).flatMap(([key, item]) => checkJsonPattern(item, `${where}.${key}`));
  const kind = typeof pattern === 'object' ? 'an object that is not plain (a class instance)' : `a ${typeof pattern}`;
  throw new Error(`${kind} cannot be part of a JSON pattern${at}`);
}
