// `--rules FILE`: reply rules from a JSON array or JSON Lines file, RegExps written as `match` strings; checked whole.
import { readBoundedFile } from '../core/bounded-file';
import { EchoServerError } from '../core/errors';
import type { EchoRule } from '../core/rule-types';
import { compileRules } from './compile';
import { isPlainObject } from './json-pattern';

/** Largest rules file read: a few thousand rules. */
export const MAX_RULES_FILE_BYTES = 4 * 1024 * 1024;

const FILE_KEYS = new Set(['when', 'match', 'flags', 'reply', 'send', 'close', 'drop', 'echo', 'times']);

/** Reads a regular file of at most {@link MAX_RULES_FILE_BYTES} (a device or a FIFO is refused before a read). */
function readRulesFile(file: string, fail: (reason: string) => EchoServerError): string {
  const tooLarge = (size: number): string =>
    `it is ${size} bytes, more than the ${MAX_RULES_FILE_BYTES} a rules file may hold`;
  return readBoundedFile(file, MAX_RULES_FILE_BYTES, fail, tooLarge).toString('utf8');
}

/** The rules as written: a JSON array, or one JSON object per line (blank lines skipped). */
function parseRules(text: string, fail: (reason: string) => EchoServerError): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown[];
    } catch (error) {
      throw fail(`it is not JSON: ${(error as Error).message}`);
    }
  }
  const rules: unknown[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      rules.push(JSON.parse(line));
    } catch (error) {
      throw fail(
        `line ${index + 1} is not JSON (a rules file is a JSON array or one rule per line): ${(error as Error).message}`,
      );
    }
  });
  if (rules.length === 0) throw fail('it holds no rules');
  return rules;
}

/**
 * One rule of a rules file as the API takes it: `match` (and `flags`) become the RegExp `when`. Throws an Error saying
 * what is wrong with its keys (its values are checked by `compileRules()`).
 */
export function apiRule(rule: unknown): EchoRule {
  if (!isPlainObject(rule)) throw new Error('must be an object such as {"when": "ping", "reply": "pong"}');
  const unknown = Object.keys(rule).find((key) => !FILE_KEYS.has(key));
  if (unknown !== undefined)
    throw new Error(
      `unknown key ${JSON.stringify(unknown)}; a rule has when or match (and flags), reply, send, close, drop, echo, times`,
    );
  const { match, flags, ...rest } = rule;
  if (match === undefined) {
    if (flags !== undefined) throw new Error('flags goes with match (a regular expression), not with when');
    return rest as unknown as EchoRule;
  }
  if (rest.when !== undefined) throw new Error('has both when and match: give one');
  if (typeof match !== 'string')
    throw new Error(`match must be a regular expression as a string, got ${JSON.stringify(match)}`);
  if (flags !== undefined && typeof flags !== 'string')
    throw new Error(`flags must be a string such as "i", got ${JSON.stringify(flags)}`);
  try {
    return { ...rest, when: new RegExp(match, flags) } as unknown as EchoRule;
  } catch (error) {
    throw new Error(`match is not a valid regular expression: ${(error as Error).message}`);
  }
}

/**
 * Loads `--rules FILE`: a JSON array of rules, or JSON Lines (one rule per line). Rules are the API's (`when`,
 * `reply`, `send`, `close`, `drop`, `echo`, `times`) with no functions, and a RegExp written as `"match": "^ping
 * (\\d+)$"` (plus `"flags": "i"`). Every rule is checked here, so a bad one stops the start with exit code 2 naming
 * the file, the rule and what is wrong. Returns the rules as the `rules` option takes them.
 */
export function loadRulesFile(file: string): EchoRule[] {
  const fail = (reason: string): EchoServerError =>
    new EchoServerError(`--rules file ${JSON.stringify(file)}: ${reason}`, 2);
  const written = parseRules(readRulesFile(file, fail), fail);
  if (!Array.isArray(written)) throw fail('it must hold a JSON array of rules, or one rule per line');
  const rules = written.map((rule, index) => {
    try {
      return apiRule(rule);
    } catch (error) {
      throw fail(`rule ${index + 1}: ${(error as Error).message}`);
    }
  });
  try {
    compileRules(rules);
  } catch (error) {
    throw fail((error as Error).message);
  }
  return rules;
}
