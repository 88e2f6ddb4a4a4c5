// One connection's rules at work: the first rule that matches a message, and the messages it answers with.
import type { RuleMessage } from '../core/rule-types';
import { AnswerTooLarge, ThrownByFunction, type Outgoing } from './answers';
import type { CompiledRule, CompiledRules, Incoming } from './compile';

/** What a matched rule does with a message: send these, then echo, close or drop as the rule says. */
export interface Decision {
  readonly rule: CompiledRule;
  readonly answers: readonly Outgoing[];
}

/**
 * A rule could not answer a message: a user's function (a `when` or an answer) threw, or a written answer could not
 * be built (too large, or a capture that cannot become JSON). Only what a user's function threw is handed back to
 * the test ({@link handBack}); the rest is the client's doing, logged and answered with a close.
 */
export class RuleFailure extends Error {
  /** Whether {@link thrown} came from a user's function (and goes back to the test). */
  readonly handBack: boolean;
  /** The close reason the client gets. */
  readonly reason: string;

  constructor(
    readonly rule: number,
    error: unknown,
    readonly thrown: unknown = error instanceof ThrownByFunction ? error.thrown : error,
  ) {
    const text = thrown instanceof Error ? thrown.message : String(thrown);
    const handBack = error instanceof ThrownByFunction;
    super(handBack ? `rule ${rule} threw: ${text}` : `rule ${rule}: could not build its answer: ${text}`);
    this.name = 'RuleFailure';
    this.handBack = handBack;
    this.reason = error instanceof AnswerTooLarge ? `rule ${rule}: ${error.message}` : `rule ${rule} failed`;
  }
}

/** The close code when a user's rule function throws: 1011, an unexpected condition (RFC 6455 §7.4.1). */
export const CLOSE_RULE_FAILED = 1011;

const NOT_JSON = Symbol('not JSON');

/** A message being matched; its text and JSON are worked out once, when a rule first asks. */
class Message implements Incoming {
  private decoded: string | undefined;
  private parsed: unknown = NOT_JSON;
  private parsedOnce = false;

  constructor(
    readonly data: Buffer,
    readonly isBinary: boolean,
  ) {}

  text(): string {
    return (this.decoded ??= this.data.toString());
  }

  json(): unknown {
    if (!this.parsedOnce) {
      this.parsedOnce = true;
      try {
        this.parsed = JSON.parse(this.text());
      } catch {
        this.parsed = NOT_JSON;
      }
    }
    return this.parsed === NOT_JSON ? undefined : this.parsed;
  }

  view(): RuleMessage {
    return { data: this.isBinary ? this.data : this.text(), isBinary: this.isBinary };
  }
}

/** The rules as one connection runs them: in order, the first match wins, each rule's `times` counted here. */
export class RuleRunner {
  private readonly uses: Uint32Array | undefined;

  /**
   * @param maxAnswerBytes the largest message a rule may send (the server's `maxPayload`): a larger answer fails the
   *   rule, refused before it is built when its captures alone are over
   */
  constructor(
    private readonly compiled: CompiledRules,
    private readonly maxAnswerBytes: number,
  ) {
    this.uses = compiled.counted ? new Uint32Array(compiled.rules.length) : undefined;
  }

  /**
   * The first rule that matches and the messages it sends; undefined when none matches (the message is echoed as the
   * mode says). What a user's function throws, and an answer that cannot be built, come out as a {@link RuleFailure}.
   */
  decide(data: Buffer, isBinary: boolean): Decision | undefined {
    const message = new Message(data, isBinary);
    const { rules } = this.compiled;
    for (let index = 0; index < rules.length; index++) {
      const rule = rules[index];
      if (this.uses !== undefined && this.uses[index] >= rule.times) continue;
      const captures = this.attempt(rule, () => rule.match(message));
      if (captures === undefined) continue;
      if (this.uses !== undefined) this.uses[index]++;
      const answers = this.attempt(rule, () => answersOf(rule, message, captures, this.maxAnswerBytes));
      return { rule, answers };
    }
    return undefined;
  }

  private attempt<T>(rule: CompiledRule, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw new RuleFailure(rule.number, error);
    }
  }
}

/** The messages `rule` sends for `message`. */
function answersOf(rule: CompiledRule, message: Message, captures: Record<string, unknown>, max: number): Outgoing[] {
  const out: Outgoing[] = [];
  if (rule.answers.length === 0) return out;
  const view = message.view();
  for (const build of rule.answers) {
    const answer = build(view, captures, max);
    if (answer !== undefined) out.push(answer);
  }
  return out;
}

/**
 * Hands what a user's rule function threw back to its test: re-thrown on the next tick, uncaught, as the fixture does
 * for a listener (Jest reports it and fails the file; a plain script stops). The server serves on.
 */
export function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
