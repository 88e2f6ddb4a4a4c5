// Captures into answers: `$name`, `${name}` and `$$` in strings, and a string that is only `$name` as the value itself.
import type { RuleCaptures } from '../core/rule-types';

/** `$$`, `${name}`, `$name` (letters, digits, `_`, starting with a letter or `_`) or `$1` (digits). */
const REFERENCE = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}|([A-Za-z_][A-Za-z0-9_]*|[0-9]+))/g;
/** A string that is one reference and nothing else. */
const WHOLE_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}|([A-Za-z_][A-Za-z0-9_]*|[0-9]+))$/;

/** The capture a string names when it is one reference and nothing else (`'$id'`, `'${id}'`), else undefined. */
export function wholeReference(text: string): string | undefined {
  const match = WHOLE_REFERENCE.exec(text);
  return match === null ? undefined : (match[1] ?? match[2]);
}

/** Every capture `text` names (`$$` names none). */
export function referencesIn(text: string): string[] {
  return [...text.matchAll(REFERENCE)].flatMap((match) => (match[1] ? [] : [match[2] ?? match[3]]));
}

/** A captured value as text: a string as it is, anything else as JSON (an unmatched group as nothing). */
function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `text` with every reference replaced by its capture's text; one with no such capture is left as written. */
export function fillText(text: string, captures: RuleCaptures): string {
  return text.replace(REFERENCE, (written, dollar: string | undefined, braced?: string, bare?: string) => {
    if (dollar) return '$';
    const name = braced ?? bare!;
    return Object.prototype.hasOwnProperty.call(captures, name) ? asText(captures[name]) : written;
  });
}

/** `$$` as `$` in a string with no capture to fill (a constant answer). */
export const unescapeDollars = (text: string): string => text.replace(/\$\$/g, '$');

/** A JSON answer with its captures filled: a string that is only `$name` becomes the value itself. */
export function fillJson(value: unknown, captures: RuleCaptures): unknown {
  if (typeof value === 'string') {
    const whole = wholeReference(value);
    if (whole !== undefined && Object.prototype.hasOwnProperty.call(captures, whole)) return captures[whole] ?? null;
    return fillText(value, captures);
  }
  if (Array.isArray(value)) return value.map((item) => fillJson(item, captures));
  if (typeof value === 'object' && value !== null) {
    const filled: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) filled[key] = fillJson(item, captures);
    return filled;
  }
  return value;
}

/** Every capture the strings of a JSON answer name. */
export function referencesInJson(value: unknown): string[] {
  if (typeof value === 'string') return referencesIn(value);
  if (Array.isArray(value)) return value.flatMap(referencesInJson);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(referencesInJson);
  return [];
}
