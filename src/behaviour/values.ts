// Reads and checks one parameter's value, from text (URL, CLI) or from a typed API option, by its table row.
import type { BehaviourParameter } from './parameters';

/** A checked value: a choice or text, a number, a `[min, max]` range, or a flag. */
export type ParameterValue = string | number | boolean | readonly [number, number];

/** A value that breaks its parameter's rule; `message` says what is allowed ("must be ..."). */
export class ParameterValueError extends Error {
  constructor(
    readonly parameter: BehaviourParameter,
    message: string,
  ) {
    super(message);
    this.name = 'ParameterValueError';
  }
}

/** Units in the singular, for a bound of exactly 1 ("at least 1 byte/s", not "1 bytes/s"). */
const SINGULAR: Record<string, string> = { bytes: 'byte', 'bytes/s': 'byte/s', echoes: 'echo' };

function bounds(p: BehaviourParameter): string {
  const unit = p.unit && p.unit !== 'HTTP status' ? ` ${p.unit}` : '';
  if (p.ranges) return `${p.ranges.map(([lo, hi]) => `${lo}-${hi}`).join(', ')}${unit}`;
  const one = p.min === 1 && p.unit && SINGULAR[p.unit] ? ` ${SINGULAR[p.unit]}` : unit;
  return (p.max ?? Infinity) >= Number.MAX_SAFE_INTEGER
    ? `of at least ${p.min}${one}`
    : `from ${p.min} to ${p.max}${unit}`;
}

/** What `p` allows, in words: "a whole number from 400 to 599 (HTTP status)". */
export function describeAllowed(p: BehaviourParameter): string {
  switch (p.kind) {
    case 'choice':
      return `one of ${p.choices?.join(', ')}`;
    case 'integer':
      return p.ranges ? `a whole number in ${bounds(p)}` : `a whole number ${bounds(p)}`;
    case 'number':
      return p.minAboveZero === undefined
        ? `a number ${bounds(p)}`
        : `0 (off) or a number from ${p.minAboveZero} to ${p.max}${p.unit ? ` ${p.unit}` : ''}`;
    case 'integer-range':
      return `a whole number ${bounds(p)}, or a range min-max of them`;
    case 'text':
      return `text of at most ${p.maxBytes} bytes of UTF-8`;
    case 'flag':
      return 'given with no value, or 1, true, 0, false';
  }
}

/** What `p` allows as a typed API option, where a range is `[min, max]` and a flag a boolean. */
export function describeAllowedInApi(p: BehaviourParameter): string {
  if (p.kind === 'integer-range') return `a whole number ${bounds(p)}, or [min, max] of them`;
  if (p.kind === 'flag') return 'true or false';
  return describeAllowed(p);
}

function fits(p: BehaviourParameter, value: number, integer: boolean): boolean {
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) return false;
  if (value < (p.min ?? -Infinity) || value > (p.max ?? Infinity)) return false;
  if (p.minAboveZero !== undefined && value !== 0 && value < p.minAboveZero) return false;
  return !p.ranges || p.ranges.some(([lo, hi]) => value >= lo && value <= hi);
}

function fail(p: BehaviourParameter): never {
  throw new ParameterValueError(p, `must be ${describeAllowed(p)}`);
}

const WHOLE = /^\d{1,16}$/;
const DECIMAL = /^\d{1,16}(\.\d{1,16})?$/;

/**
 * Parses `text` as `p` says; throws {@link ParameterValueError} when it does not fit.
 * `undefined` text is a bare flag (`?no-pong`, `--no-pong`). Only plain decimal digits are
 * numbers: `Number('')` is 0 and `Number('0x10')` is 16, neither of which a user meant.
 */
export function parseParameterText(p: BehaviourParameter, text: string | undefined): ParameterValue {
  if (p.kind === 'flag') {
    if (text === undefined || text === '' || text === '1' || text === 'true') return true;
    if (text === '0' || text === 'false') return false;
    return fail(p);
  }
  if (text === undefined) return fail(p);
  switch (p.kind) {
    case 'choice':
      return p.choices?.includes(text) ? text : fail(p);
    case 'text':
      return checkParameterValue(p, text);
    case 'integer':
      return WHOLE.test(text) ? checkParameterValue(p, Number(text)) : fail(p);
    case 'number':
      return DECIMAL.test(text) ? checkParameterValue(p, Number(text)) : fail(p);
    case 'integer-range': {
      const range = /^(\d{1,16})-(\d{1,16})$/.exec(text);
      if (range) return checkParameterValue(p, [Number(range[1]), Number(range[2])]);
      return WHOLE.test(text) ? checkParameterValue(p, Number(text)) : fail(p);
    }
  }
}

/** Checks a typed value (an API option, or one parsed from text); returns it in its canonical form. */
export function checkParameterValue(p: BehaviourParameter, value: unknown): ParameterValue {
  switch (p.kind) {
    case 'choice':
      return typeof value === 'string' && p.choices?.includes(value) ? value : fail(p);
    case 'text':
      return typeof value === 'string' && Buffer.byteLength(value) <= (p.maxBytes ?? Infinity) ? value : fail(p);
    case 'flag':
      return typeof value === 'boolean' ? value : fail(p);
    case 'integer':
      return typeof value === 'number' && fits(p, value, true) ? value : fail(p);
    case 'number':
      return typeof value === 'number' && fits(p, value, false) ? value : fail(p);
    case 'integer-range': {
      if (typeof value === 'number') return fits(p, value, true) ? value : fail(p);
      const ok =
        Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number' && fits(p, n, true));
      if (!ok || value[0] > value[1]) return fail(p);
      // A range of one value is that value: the log and the PRNG need not know it was a range.
      return value[0] === value[1] ? value[0] : [value[0], value[1]];
    }
  }
}

/** A value as a URL or a flag writes it: `10-50` for a range, the text itself otherwise. */
export function formatParameterValue(value: ParameterValue): string | number | boolean {
  return Array.isArray(value) ? `${value[0]}-${value[1]}` : (value as string | number | boolean);
}
