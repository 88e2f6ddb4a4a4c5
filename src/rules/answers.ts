// Answers as data: each written answer becomes a builder of the message it sends, constant ones built once.
import type { RuleAnswer, RuleCaptures, RuleMessage } from '../core/rule-types';
import { isPlainObject } from './json-pattern';
import { fillJson, fillText, referencesIn, referencesInJson, unescapeDollars } from './templates';

/** One message to send: its payload, and whether it is binary. */
export interface Outgoing {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

/** Builds one answer for a matched message (undefined: this answer sends nothing). */
export type AnswerBuilder = (message: RuleMessage, captures: RuleCaptures) => Outgoing | undefined;

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

/** The captures an answer names (a function's are its own business). */
export function referencesOfAnswer(answer: RuleAnswer): string[] {
  if (typeof answer === 'string') return referencesIn(answer);
  if (typeof answer === 'function' || answer instanceof Uint8Array) return [];
  return referencesInJson(answer);
}

/** The builder for one written answer; throws an Error naming `what` when it cannot be sent. */
export function answerBuilder(answer: RuleAnswer, what: string): AnswerBuilder {
  if (typeof answer === 'function')
    return (message, captures) => outgoingOf(answer(message, captures), `what the ${what} function returned`);
  const hasReferences = referencesOfAnswer(answer).length > 0;
  if (typeof answer === 'string') {
    if (!hasReferences) {
      const constant = outgoingOf(unescapeDollars(answer), what);
      return () => constant;
    }
    return (_message, captures) => outgoingOf(fillText(answer, captures), what);
  }
  if (!hasReferences && !(answer instanceof Uint8Array) && typeof answer === 'object' && answer !== null) {
    const constant = outgoingOf(fillJson(answer, {}), what); // `$$` in strings becomes `$`
    return () => constant;
  }
  const constant = answer instanceof Uint8Array ? outgoingOf(Buffer.from(answer), what) : undefined;
  if (constant !== undefined) return () => constant;
  outgoingOf(answer, what); // a wrong type is refused at once
  return (_message, captures) => outgoingOf(fillJson(answer, captures), what);
}
