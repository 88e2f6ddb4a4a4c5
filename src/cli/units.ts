// Numbers in flags: counts, --workers, and sizes and durations plain or with a unit (16MiB, 64KB, 30s, 500ms, 2m).
import { InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import { RULES, describeRule, fitsRule, parseNumber, type NumberRule } from '../core/validate';

/** Bytes per size unit, by lower-case name: decimal (kB = 1000) and binary (KiB = 1024). */
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
/** Seconds per duration unit. */
const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

const WITH_UNIT = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/;

/** `text` as a number of base units (bytes or seconds) under `units`, or undefined. */
function parseWithUnit(text: string, units: Record<string, number>): number | undefined {
  const match = WITH_UNIT.exec(text);
  const factor = match ? units[match[2].toLowerCase()] : undefined;
  if (!match || factor === undefined) return undefined;
  // Rounded to 9 decimals, so 0.1s is 0.1 and 1.5KiB is exactly 1536.
  return Math.round(Number(match[1]) * factor * 1e9) / 1e9;
}

/** Parses `text` as a plain number, or one with a unit from `units`, checked under `rule`. */
function parseQuantity(text: string, rule: NumberRule, units: Record<string, number>): number | undefined {
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return parseNumber(text, rule);
  const value = parseWithUnit(text, units);
  return value !== undefined && fitsRule(value, rule) ? value : undefined;
}

/** A commander parser for a size in bytes: `65536`, `64KiB`, `16MiB`, `100MB`. */
export function sizeFlag(rule: NumberRule): (text: string) => number {
  return (text) => {
    const value = parseQuantity(text, rule, SIZE_UNITS);
    if (value === undefined) {
      throw new InvalidArgumentError(
        `It must be bytes or a size with a unit (64KiB, 16MiB, 100MB): ${describeRule(rule)} bytes.`,
      );
    }
    return value;
  };
}

/** A commander parser for a duration in seconds: `30`, `0.5`, `500ms`, `30s`, `2m`. */
export function durationFlag(rule: NumberRule): (text: string) => number {
  return (text) => {
    const value = parseQuantity(text, rule, DURATION_UNITS);
    if (value === undefined) {
      throw new InvalidArgumentError(
        `It must be seconds or a duration with a unit (500ms, 30s, 2m): ${describeRule(rule)} seconds.`,
      );
    }
    return value;
  };
}

/** Base units per unit name of a behaviour parameter (its `unit` in the table). */
const UNITS_BY_PARAMETER_UNIT: Record<string, { units: Record<string, number>; scale: number }> = {
  bytes: { units: SIZE_UNITS, scale: 1 },
  'bytes/s': { units: SIZE_UNITS, scale: 1 },
  s: { units: DURATION_UNITS, scale: 1 },
  ms: { units: DURATION_UNITS, scale: 1000 },
};

/**
 * A flag's text with its unit turned into the plain number a behaviour parameter takes
 * (`--fragment 16KiB` is `16384`, `--delay 2s` is `2000`, `--ping-interval 500ms` is `0.5`);
 * text without a known unit (plain numbers, ranges, mistakes) is returned as it is.
 */
export function withoutUnit(text: string, unit: string | undefined): string {
  const known = unit === undefined ? undefined : UNITS_BY_PARAMETER_UNIT[unit];
  if (known === undefined) return text;
  const value = parseWithUnit(text, known.units);
  return value === undefined ? text : String(Math.round(value * known.scale * 1e9) / 1e9);
}

/**
 * How a flag of a behaviour parameter with this unit may be written, for its error message; undefined for plain
 * numbers.
 */
export function unitForms(unit: string | undefined): string | undefined {
  if (unit === 'bytes' || unit === 'bytes/s') return 'bytes or a size with a unit (64KiB, 16MiB, 100MB)';
  if (unit === 's') return 'seconds or a duration with a unit (500ms, 30s, 2m)';
  if (unit === 'ms') return 'milliseconds or a duration with a unit (500ms, 2s)';
  return undefined;
}

/** A commander parser for a plain number under `rule`. */
export function numberFlag(rule: NumberRule): (text: string) => number {
  return (text) => {
    const value = parseNumber(text, rule);
    if (value === undefined) throw new InvalidArgumentError(`It must be ${describeRule(rule)}.`);
    return value;
  };
}

/** A commander parser for `--workers`: a count, or `auto` for one per CPU. */
export function workersFlag(text: string): number {
  if (text === 'auto') return availableParallelism();
  const count = parseNumber(text, RULES.workers);
  if (count === undefined)
    throw new InvalidArgumentError(`It must be ${describeRule(RULES.workers)}, or auto (one per CPU).`);
  return count;
}
