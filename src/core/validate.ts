// Rules for numeric settings, shared by the CLI's flag parsing and the API's option checks.
import { constants as bufferConstants } from 'node:buffer';

/** An allowed range, and whether fractions are allowed. */
export interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
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
  idleTimeout: { min: 0, max: MAX_SECONDS, integer: false },
  pingInterval: { min: 0, max: MAX_SECONDS, integer: false },
  handshakeTimeout: { min: 0.001, max: MAX_SECONDS, integer: false },
  closeTimeout: { min: 0, max: MAX_SECONDS, integer: false },
} satisfies Record<string, NumberRule>;

/** Says a rule in words: "a whole number from 0 to 65535". */
export function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  return rule.max >= Number.MAX_SAFE_INTEGER ? `${kind} of at least ${rule.min}` : `${kind} from ${rule.min} to ${rule.max}`;
}

/** Whether `value` is a number that `rule` allows. */
export function fitsRule(value: unknown, rule: NumberRule): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    value >= rule.min &&
    value <= rule.max
  );
}

/** Parses a flag's text as a number under `rule`; undefined when it does not fit. */
export function parseNumber(text: string, rule: NumberRule): number | undefined {
  // Number('') is 0 and Number('0x10') is 16: accept plain decimal only.
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const value = Number(text);
  return fitsRule(value, rule) ? value : undefined;
}
