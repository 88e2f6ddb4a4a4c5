// One connection's rules at work: the first rule that matches a message, and the messages it answers with.
import type { RuleMessage } from '../core/rule-types';
import type { Outgoing } from './answers';
import type { CompiledRule, CompiledRules, Incoming } from './compile';

/** What a matched rule does with a message: send these, then echo, close or drop as the rule says. */
export interface Decision {
  readonly rule: CompiledRule;
  readonly answers: readonly Outgoing[];
}

/** A user's function (a `when` or an answer) threw: which rule, and what it threw. */
export class RuleFailure extends Error {
  constructor(
    readonly rule: number,
    readonly thrown: unknown,
  ) {
    super(`rule ${rule} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    this.name = 'RuleFailure';
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

  constructor(private readonly compiled: CompiledRules) {
    this.uses = compiled.counted ? new Uint32Array(compiled.rules.length) : undefined;
  }

  /**
   * The first rule that matches and the messages it sends; undefined when none matches (the message is echoed as the
   * mode says). What a user's function throws comes out as a {@link RuleFailure}.
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
      const answers = this.attempt(rule, () => answersOf(rule, message, captures));
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
function answersOf(rule: CompiledRule, message: Message, captures: Record<string, unknown>): Outgoing[] {
  const out: Outgoing[] = [];
  if (rule.answers.length === 0) return out;
  const view = message.view();
  for (const build of rule.answers) {
    const answer = build(view, captures);
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
