// Rules for numeric settings, shared by the CLI's flag parsing and the API's option checks.
import { constants as bufferConstants } from 'node:buffer';

/** An allowed range, and whether fractions are allowed. */
export interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
  /** Smallest value other than 0: a time that would round to 0 ms would mean "off". */
  minAboveZero?: number;
}

/** Node timers hold at most 2^31-1 ms. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The rule of each numeric setting. */
export const RULES = {
  port: { min: 0, max: 65535, integer: true },
  bufferSize: { min: 1, max: bufferConstants.MAX_LENGTH, integer: true },
  maxPayload: { min: 1, max: bufferConstants.MAX_LENGTH, integer: true },
  // ws keeps the count in a 32-bit integer.
  maxFragments: { min: 1, max: 2 ** 31 - 1, integer: true },
  maxConnections: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
  idleTimeout: { min: 0, max: MAX_SECONDS, integer: false, minAboveZero: 0.001 },
  pingInterval: { min: 0, max: MAX_SECONDS, integer: false, minAboveZero: 0.001 },
  handshakeTimeout: { min: 0.001, max: MAX_SECONDS, integer: false },
  closeTimeout: { min: 0, max: MAX_SECONDS, integer: false, minAboveZero: 0.001 },
  // --workers: processes serving one port.
  workers: { min: 1, max: 1024, integer: true },
} satisfies Record<string, NumberRule>;

/** Says a rule in words: "a whole number from 0 to 65535". */
export function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (rule.minAboveZero !== undefined) return `0 (off) or ${kind} from ${rule.minAboveZero} to ${rule.max}`;
  return rule.max >= Number.MAX_SAFE_INTEGER
    ? `${kind} of at least ${rule.min}`
    : `${kind} from ${rule.min} to ${rule.max}`;
}

/** Whether `value` is a number that `rule` allows. */
export function fitsRule(value: unknown, rule: NumberRule): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    value >= rule.min &&
    value <= rule.max &&
    (rule.minAboveZero === undefined || value === 0 || value >= rule.minAboveZero)
  );
}

/** Parses a flag's text as a number under `rule`; undefined when it does not fit. */
export function parseNumber(text: string, rule: NumberRule): number | undefined {
  // Number('') is 0 and Number('0x10') is 16: accept plain decimal only.
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const value = Number(text);
  return fitsRule(value, rule) ? value : undefined;
}

/** Characters a client can send in a path, unescaped (RFC 3986 §3.3: pchar and "/"), or %XX escapes. */
const REQUEST_PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

/**
 * Why `path` could never equal the path of a request (so upgrades would all get 404), or
 * undefined when it can: a phrase ("must start with ...") that the caller puts after the flag or option name.
 */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/"';
  if (REQUEST_PATH.test(path)) return undefined;
  if (path.includes('?')) return 'must not hold a query ("?..."): query strings are ignored when matching';
  if (path.includes('#')) return 'must not hold a fragment ("#..."): clients never send one';
  return "can never match: a client sends only letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes in a path (a space is %20)";
}
