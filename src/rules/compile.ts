// Checks the `rules` option as written and compiles each rule to data: a matcher, answer builders, an ending.
import type { EchoRule, JsonPattern, RuleCaptures, RuleMessage } from '../core/rule-types';
import { answerBuilder, callRuleFunction, referencesOfAnswer, type AnswerBuilder } from './answers';
import { checkJsonPattern, isPlainObject, matchJson } from './json-pattern';
import { nestedRepeatFault } from './regexp-safety';

/** A message being matched: its bytes, and its text and JSON worked out once, when a rule first asks. */
export interface Incoming {
  readonly data: Buffer;
  readonly isBinary: boolean;
  /** The text of a text message. */
  text(): string;
  /** A text message parsed as JSON; undefined when it is not JSON. */
  json(): unknown;
  /** The message as a user's function sees it. */
  view(): RuleMessage;
}

/** What a rule's `when` compiles to: the captures when the message matches, else undefined. */
export type Matcher = (message: Incoming) => RuleCaptures | undefined;

/** One rule, compiled. */
export interface CompiledRule {
  /** Its number in the list, from 1 (for errors and logs). */
  readonly number: number;
  readonly match: Matcher;
  readonly answers: readonly AnswerBuilder[];
  readonly echo: boolean;
  readonly close: readonly [code: number, reason: string] | undefined;
  readonly drop: boolean;
  /** How many matches it answers on one connection (Infinity: all). */
  readonly times: number;
}

/** The server's rules, compiled once and shared by every connection. */
export interface CompiledRules {
  readonly rules: readonly CompiledRule[];
  /** Whether some rule counts its matches (then each connection keeps a count per rule). */
  readonly counted: boolean;
}

/**
 * Largest text message a RegExp or a JSON pattern is tried on: a larger one matches neither (JSON.parse and a RegExp
 * run whole and synchronously, holding up every other client of the process).
 */
export const MAX_MATCHED_TEXT_BYTES = 1024 * 1024;

/** Whether a RegExp or a JSON pattern may look at `message`: text of at most {@link MAX_MATCHED_TEXT_BYTES}. */
const matchable = (message: Incoming): boolean => !message.isBinary && message.data.length <= MAX_MATCHED_TEXT_BYTES;

const RULE_KEYS = new Set(['when', 'reply', 'send', 'close', 'drop', 'echo', 'times']);
const NO_CAPTURES: RuleCaptures = Object.freeze({}) as RuleCaptures;

/** A close code a server may send (RFC 6455 §7.4). */
const isCloseCode = (code: unknown): code is number =>
  Number.isInteger(code) &&
  (((code as number) >= 1000 && (code as number) <= 1003) ||
    ((code as number) >= 1007 && (code as number) <= 1014) ||
    ((code as number) >= 3000 && (code as number) <= 4999));

/** The matcher for a RegExp: groups captured as `0`, `1`, ... and by name. */
function regExpMatcher(pattern: RegExp): Matcher {
  return (message) => {
    if (!matchable(message)) return undefined;
    pattern.lastIndex = 0; // a `g` or `y` flag must not make the next message start where this one stopped
    const match = pattern.exec(message.text());
    if (match === null) return undefined;
    const captures: RuleCaptures = { ...match.groups };
    match.forEach((group, index) => (captures[index] = group));
    return captures;
  };
}

/** The matcher for `when`, and the names it captures (undefined: a function's, not known in advance). */
function matcherOf(when: unknown): { match: Matcher; names: string[] | undefined } {
  if (typeof when === 'string')
    return { match: (m) => (!m.isBinary && m.text() === when ? NO_CAPTURES : undefined), names: [] };
  if (when instanceof RegExp) {
    const nested = nestedRepeatFault(when.source);
    if (nested !== undefined) throw new Error(`when: ${nested}`);
    const groups = new RegExp(`${when.source}|`).exec('')!;
    const names = [...groups.keys()].map(String).concat(Object.keys(groups.groups ?? {}));
    return { match: regExpMatcher(when), names };
  }
  if (typeof when === 'function') {
    const match: Matcher = (m) => {
      const result = callRuleFunction(when as (message: RuleMessage) => unknown, 'the when function', m.view());
      if (!result) return undefined;
      return typeof result === 'object' ? (result as RuleCaptures) : NO_CAPTURES;
    };
    return { match, names: undefined };
  }
  if (Array.isArray(when) || isPlainObject(when)) {
    const names = checkJsonPattern(when);
    const twice = names.find((name, index) => names.indexOf(name) !== index);
    if (twice !== undefined) throw new Error(`when captures $${twice} twice`);
    const match: Matcher = (m) => {
      if (!matchable(m)) return undefined;
      const value = m.json();
      const captures: RuleCaptures = {};
      return value !== undefined && matchJson(when as JsonPattern, value, captures) ? captures : undefined;
    };
    return { match, names };
  }
  throw new Error(
    `when must be a string (exact text), a RegExp, a plain object or array (a JSON pattern) or a function, got ${describe(when)}`,
  );
}

/** A value in an error message. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** Refuses an answer naming a capture its `when` does not make. */
function checkReferences(rule: EchoRule, names: string[] | undefined): void {
  if (names === undefined) return;
  const written = [rule.reply, ...(Array.isArray(rule.send) ? rule.send : [])].filter((a) => a !== undefined);
  for (const answer of written) {
    const unknown = referencesOfAnswer(answer).find((name) => !names.includes(name));
    if (unknown === undefined) continue;
    const known = names.length === 0 ? 'nothing' : `only ${names.map((name) => `$${name}`).join(', ')}`;
    throw new Error(`an answer uses $${unknown}, but when captures ${known} (write $$ for a $ sign)`);
  }
}

/** The close of a rule, checked. */
function closeOf(close: unknown): readonly [number, string] | undefined {
  if (close === undefined) return undefined;
  if (!Array.isArray(close) || close.length < 1 || close.length > 2)
    throw new Error(`close must be [code] or [code, reason], got ${describe(close)}`);
  const [code, reason = ''] = close as unknown[];
  if (!isCloseCode(code))
    throw new Error(`close code must be 1000-1003, 1007-1014 or 3000-4999, got ${describe(code)}`);
  if (typeof reason !== 'string' || Buffer.byteLength(reason) > 123)
    throw new Error(`close reason must be text of at most 123 bytes of UTF-8, got ${describe(reason)}`);
  return [code, reason];
}

/** The checked switches and count of a rule. */
function flagsOf(rule: Record<string, unknown>): { echo: boolean; drop: boolean; times: number } {
  for (const key of ['echo', 'drop'])
    if (rule[key] !== undefined && typeof rule[key] !== 'boolean')
      throw new Error(`${key} must be true or false, got ${describe(rule[key])}`);
  const { times } = rule;
  if (times !== undefined && (!Number.isInteger(times) || (times as number) < 1))
    throw new Error(`times must be a whole number of 1 or more, got ${describe(times)}`);
  if (rule.drop === true && rule.close !== undefined) throw new Error('close and drop cannot both end a rule');
  return { echo: rule.echo === true, drop: rule.drop === true, times: (times as number | undefined) ?? Infinity };
}

/** Compiles one rule; throws an Error saying what is wrong with it (the caller adds which rule). */
function compileRule(rule: unknown, number: number): CompiledRule {
  if (!isPlainObject(rule))
    throw new Error(`must be an object such as { when: 'ping', reply: 'pong' }, got ${describe(rule)}`);
  const unknown = Object.keys(rule).find((key) => !RULE_KEYS.has(key));
  if (unknown !== undefined)
    throw new Error(`unknown key ${JSON.stringify(unknown)}; a rule has when, reply, send, close, drop, echo, times`);
  if (!('when' in rule) || rule.when === undefined) throw new Error('has no when: which messages does it answer?');
  const { match, names } = matcherOf(rule.when);
  if (rule.send !== undefined && !Array.isArray(rule.send))
    throw new Error(`send must be an array of answers, got ${describe(rule.send)}`);
  checkReferences(rule as unknown as EchoRule, names);
  const written = [
    ...(rule.reply === undefined ? [] : [[rule.reply, 'reply'] as const]),
    ...((rule.send as unknown[] | undefined) ?? []).map((answer, index) => [answer, `send[${index}]`] as const),
  ];
  const answers = written.map(([answer, what]) => answerBuilder(answer as never, what));
  return { number, match, answers, close: closeOf(rule.close), ...flagsOf(rule) };
}

/** Checks and compiles the `rules` option; throws an Error naming the rule at fault (`rule 2: ...`). */
export function compileRules(value: unknown): CompiledRules | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value))
    throw new Error(`must be an array of rules such as [{ when: 'ping', reply: 'pong' }], got ${describe(value)}`);
  if (value.length === 0) return undefined;
  const rules = value.map((rule: unknown, index) => {
    try {
      return compileRule(rule, index + 1);
    } catch (error) {
      throw new Error(`rule ${index + 1}: ${(error as Error).message}`);
    }
  });
  return { rules, counted: rules.some((rule) => rule.times !== Infinity) };
}
