// Captures into answers: `$name`, `${name}` and `$$` in strings, and a string that is only `$name` as the value itself.
import type { RuleCaptures } from '../core/rule-types';

/** `$$`, `${name}`, `$name` (letters, digits, `_`, starting with a letter or `_`) or `$1` (digits). */
const REFERENCE = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}|([A-Za-z_][A-Za-z0-9_]*|[0-9]+))/g;
/** A string that is one reference and nothing else. */
const WHOLE_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}|([A-Za-z_][A-Za-z0-9_]*|[0-9]+))$/;

/** Most capture references one answer may hold (each one copies a capture into every answer it builds). */
export const MAX_REFERENCES_PER_ANSWER = 1000;

/** The capture a string names when it is one reference and nothing else (`'$id'`, `'${id}'`), else undefined. */
export function wholeReference(text: string): string | undefined {
  const match = WHOLE_REFERENCE.exec(text);
  return match === null ? undefined : (match[1] ?? match[2]);
}

/** The error for an answer naming captures more than {@link MAX_REFERENCES_PER_ANSWER} times. */
const tooManyReferences = (): Error =>
  new Error(
    `an answer names captures more than ${MAX_REFERENCES_PER_ANSWER} times (at most ${MAX_REFERENCES_PER_ANSWER})`,
  );

/**
 * Every capture `text` names (`$$` names none), once per reference, added to `names`; throws past
 * {@link MAX_REFERENCES_PER_ANSWER} in all, so the scan stops early on a huge template.
 */
export function referencesIn(text: string, names: string[] = []): string[] {
  if (!text.includes('$')) return names;
  const scan = new RegExp(REFERENCE.source, 'g');
  for (let match = scan.exec(text); match !== null; match = scan.exec(text)) {
    if (match[1]) continue;
    if (names.length === MAX_REFERENCES_PER_ANSWER) throw tooManyReferences();
    names.push(match[2] ?? match[3]);
  }
  return names;
}

/** A captured value as text: a string as it is, anything else as JSON (an unmatched group as nothing). */
function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The captures of one matched message as the text an answer puts in place of `$name`, each worked out once however
 * many references name it (a JSON capture is turned into text once, not once per reference).
 */
export class CaptureTexts {
  private readonly texts = new Map<string, string>();

  constructor(readonly captures: RuleCaptures) {}

  /** Whether the message captured `name`. */
  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.captures, name);
  }

  /** The text of capture `name` (which {@link has} must have said exists). */
  text(name: string): string {
    let text = this.texts.get(name);
    if (text === undefined) this.texts.set(name, (text = asText(this.captures[name])));
    return text;
  }

  /**
   * A lower bound of the UTF-16 length the references `names` add to an answer (a UTF-8 encoding is at least as
   * long): what a size check can know before the answer is built.
   */
  lengthOf(names: readonly string[]): number {
    let length = 0;
    for (const name of names) if (this.has(name)) length += this.text(name).length;
    return length;
  }
}

/** `text` with every reference replaced by its capture's text; one with no such capture is left as written. */
export function fillText(text: string, captures: CaptureTexts): string {
  return text.replace(REFERENCE, (written, dollar: string | undefined, braced?: string, bare?: string) => {
    if (dollar) return '$';
    const name = braced ?? bare!;
    return captures.has(name) ? captures.text(name) : written;
  });
}

/** `$$` as `$` in a string with no capture to fill (a constant answer). */
export const unescapeDollars = (text: string): string => text.replace(/\$\$/g, '$');

/** A JSON answer with its captures filled: a string that is only `$name` becomes the value itself. */
export function fillJson(value: unknown, captures: CaptureTexts): unknown {
  if (typeof value === 'string') {
    const whole = wholeReference(value);
    if (whole !== undefined && captures.has(whole)) return captures.captures[whole] ?? null;
    return fillText(value, captures);
  }
  if (Array.isArray(value)) return value.map((item) => fillJson(item, captures));
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines each key as its own: a key `__proto__` stays a key, not the object's prototype
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillJson(item, captures)]));
  }
  return value;
}

/** Every capture the strings of a JSON answer name, once per reference (at most {@link MAX_REFERENCES_PER_ANSWER}). */
export function referencesInJson(value: unknown, names: string[] = []): string[] {
  if (typeof value === 'string') referencesIn(value, names);
  else if (Array.isArray(value)) for (const item of value) referencesInJson(item, names);
  else if (typeof value === 'object' && value !== null)
    for (const item of Object.values(value)) referencesInJson(item, names);
  return names;
}
