// Rules that answer at any point while a connection plays its script (heartbeats): one `--rules FILE` rule per line.
import { DEFAULT_MAX_PAYLOAD } from '../core/constants';
import type { ReceivedMessage } from '../core/client-types';
import type { EchoRule } from '../core/rule-types';
import { compileRules, type CompiledRules } from '../rules/compile';
import { isPlainObject } from '../rules/json-pattern';
import { apiRule } from '../rules/rules-file';
import { CLOSE_RULE_FAILED, RuleFailure, RuleRunner } from '../rules/runner';
import type { PlayedClient } from './player';

/** Client messages the script has not read yet, kept while rules read ahead; one more closes with 1008. */
export const SCRIPT_MESSAGES_KEPT = 1000;

/** Largest message a script's rule may answer with. */
const MAX_ANSWER_BYTES = DEFAULT_MAX_PAYLOAD;

/** A line's `rule` checked and made the API's rule; throws an Error saying what is wrong. */
export function scriptRuleOf(written: unknown): EchoRule {
  if (isPlainObject(written) && 'echo' in written)
    throw new Error(
      '"echo" has no place in a script\'s rule: a replay echoes nothing (give reply, send, close or drop)',
    );
  const rule = apiRule(written);
  try {
    compileRules([rule]);
  } catch (error) {
    throw new Error((error as Error).message.replace(/^rule 1: /, ''));
  }
  return rule;
}

/** The client's next message, or undefined once the connection has ended with nothing left. */
export async function nextOf(client: PlayedClient): Promise<ReceivedMessage | undefined> {
  try {
    return await client.nextMessage({ timeout: Infinity });
  } catch {
    return undefined;
  }
}

/** Where a script reads the client's messages from. */
export interface Inbox {
  /** The next message no rule took; undefined once the connection has ended with none left. */
  next(): Promise<ReceivedMessage | undefined>;
  /** Whether a rule's `close` or `drop` ended the connection (the script then ends without a mismatch). */
  readonly endedByRule: boolean;
}

const compiledOf = new WeakMap<readonly EchoRule[], CompiledRules>();

/** Sends what a rule decided on `message`; whether a rule took it, and whether it ended the connection. */
function answered(client: PlayedClient, runner: RuleRunner, message: ReceivedMessage): 'no' | 'yes' | 'ended' {
  const data = typeof message.data === 'string' ? Buffer.from(message.data) : message.data;
  try {
    const decision = runner.decide(data, message.isBinary);
    if (decision === undefined) return 'no';
    for (const answer of decision.answers) client.send(answer.isBinary ? answer.data : answer.data.toString());
    if (decision.rule.close) client.close(...decision.rule.close);
    else if (decision.rule.drop) client.drop();
    else return 'yes';
    return 'ended';
  } catch (error) {
    if (!(error instanceof RuleFailure)) throw error;
    client.close(CLOSE_RULE_FAILED, error.reason);
    return 'yes'; // a failure, not an ending the script asked for
  }
}

/**
 * The inbox of a connection whose script has rules: every message is read as it comes and tried against the rules
 * first (so a heartbeat is answered while the script waits for its time); one no rule takes waits for the script.
 */
function ruledInbox(client: PlayedClient, rules: CompiledRules): Inbox {
  const runner = new RuleRunner(rules, MAX_ANSWER_BYTES);
  const unread: ReceivedMessage[] = [];
  let waiter: ((message: ReceivedMessage | undefined) => void) | undefined;
  let ended = false;
  let endedByRule = false;
  const hand = (message: ReceivedMessage | undefined): void => {
    const waiting = waiter;
    waiter = undefined;
    waiting?.(message);
  };
  void (async () => {
    for (let message = await nextOf(client); message !== undefined; message = await nextOf(client)) {
      if (!client.isOpen) continue;
      const taken = answered(client, runner, message);
      endedByRule ||= taken === 'ended';
      if (taken !== 'no') continue;
      if (waiter) hand(message);
      else if (unread.length < SCRIPT_MESSAGES_KEPT) unread.push(message);
      else client.close(1008, 'too many messages unread');
    }
    ended = true;
    hand(undefined);
  })();
  return {
    next: () => {
      const message = unread.shift();
      if (message !== undefined || ended) return Promise.resolve(message);
      return new Promise((resolve) => (waiter = resolve));
    },
    get endedByRule() {
      return endedByRule;
    },
  };
}

/** Where `client`'s script reads its messages: straight from the client, or through its rules when it has some. */
export function inboxFor(client: PlayedClient, rules: readonly EchoRule[] | undefined): Inbox {
  if (rules === undefined || rules.length === 0) return { next: () => nextOf(client), endedByRule: false };
  let compiled = compiledOf.get(rules);
  if (compiled === undefined) compiledOf.set(rules, (compiled = compileRules(rules)!));
  return ruledInbox(client, compiled);
}
