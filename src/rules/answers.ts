// Answers as data: each written answer becomes a builder of the message it sends, constant ones built once.
import type { RuleAnswer, RuleCaptures, RuleMessage } from '../core/rule-types';
import { isPlainObject } from './json-pattern';
import { CaptureTexts, fillJson, fillText, referencesIn, referencesInJson, unescapeDollars } from './templates';

/** One message to send: its payload, and whether it is binary. */
export interface Outgoing {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

/** Builds one answer for a matched message, of at most `maxBytes` (undefined: this answer sends nothing). */
export type AnswerBuilder = (message: RuleMessage, captures: RuleCaptures, maxBytes: number) => Outgoing | undefined;

/** What a user's rule function threw (or did wrong): handed back to the test, where a built-in failure is not. */
export class ThrownByFunction extends Error {
  constructor(readonly thrown: unknown) {
    super(thrown instanceof Error ? thrown.message : String(thrown));
    this.name = 'ThrownByFunction';
  }
}

/** An answer that would be larger than a connection lets one be. */
export class AnswerTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`answer over ${maxBytes} bytes`);
    this.name = 'AnswerTooLarge';
  }
}

/**
 * Calls a user's rule function: what it throws comes out as a {@link ThrownByFunction}, and so does a Promise it
 * returns (a Promise is truthy: an `async` `when` would match every message).
 */
export function callRuleFunction<A extends unknown[]>(fn: (...args: A) => unknown, what: string, ...args: A): unknown {
  let result: unknown;
  try {
    result = fn(...args);
  } catch (error) {
    throw new ThrownByFunction(error);
  }
  if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
    Promise.resolve(result).catch(() => {}); // its rejection, if any, is this same mistake
    throw new ThrownByFunction(new Error(`${what} returned a Promise: rule functions must be synchronous`));
  }
  return result;
}

/** What a written answer sends, once its captures are filled: text, binary or JSON text. */
export function outgoingOf(data: unknown, what: string): Outgoing | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string') return { data: Buffer.from(data), isBinary: false };
  if (Buffer.isBuffer(data)) return { data, isBinary: true };
  if (data instanceof Uint8Array)
    return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), isBinary: true };
  if (Array.isArray(data) || isPlainObject(data)) return { data: Buffer.from(JSON.stringify(data)), isBinary: false };
  throw new Error(
    `${what} must be a string, a Buffer, a Uint8Array or a plain object or array (JSON), got a ${typeof data}`,
  );
}

/** `answer` when it fits in `maxBytes`; else an {@link AnswerTooLarge}. */
function sized(answer: Outgoing | undefined, maxBytes: number): Outgoing | undefined {
  if (answer !== undefined && answer.data.length > maxBytes) throw new AnswerTooLarge(maxBytes);
  return answer;
}

/** The captures an answer names, once per reference (a function's are its own business); throws past 1,000. */
export function referencesOfAnswer(answer: RuleAnswer): string[] {
  if (typeof answer === 'string') return referencesIn(answer);
  if (typeof answer === 'function' || answer instanceof Uint8Array) return [];
  return referencesInJson(answer);
}

/**
 * The builder of an answer with captures in it. Before building, the captures' text it would hold is added up (a
 * lower bound of its size), so an answer repeating a large capture is refused without being built.
 */
function templateBuilder(answer: RuleAnswer, names: string[], what: string): AnswerBuilder {
  const fill = typeof answer === 'string' ? fillText : fillJson;
  return (_message, captures, maxBytes) => {
    const texts = new CaptureTexts(captures);
    if (texts.lengthOf(names) > maxBytes) throw new AnswerTooLarge(maxBytes);
    return sized(outgoingOf(fill(answer as string, texts), what), maxBytes);
  };
}

/** The builder for one written answer; throws an Error naming `what` when it cannot be sent. */
export function answerBuilder(answer: RuleAnswer, what: string): AnswerBuilder {
  if (typeof answer === 'function')
    return (message, captures, maxBytes) =>
      sized(
        outgoingOf(
          callRuleFunction(answer, `the ${what} function`, message, captures),
          `what the ${what} function returned`,
        ),
        maxBytes,
      );
  const names = referencesOfAnswer(answer);
  if (names.length > 0) {
    outgoingOf(answer, what); // a wrong type is refused at once
    return templateBuilder(answer, names, what);
  }
  let constant: Outgoing | undefined;
  if (typeof answer === 'string') constant = outgoingOf(unescapeDollars(answer), what);
  else if (answer instanceof Uint8Array) constant = outgoingOf(Buffer.from(answer), what);
  else constant = outgoingOf(fillJson(answer, new CaptureTexts({})), what); // `$$` in strings becomes `$`
  return (_message, _captures, maxBytes) => sized(constant, maxBytes);
}
