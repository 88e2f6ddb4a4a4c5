// Rules that answer at any point while a connection plays its script (heartbeats): one `--rules FILE` rule per line.
import { DEFAULT_MAX_PAYLOAD } from '../core/constants';
import { closestName } from '../core/suggest';
import type { ReceivedMessage } from '../core/client-types';
import type { EchoRule } from '../core/rule-types';
import { compileRules, type CompiledRules } from '../rules/compile';
import { isPlainObject } from '../rules/json-pattern';
import { apiRule } from '../rules/rules-file';
import { CLOSE_RULE_FAILED, RuleFailure, RuleRunner } from '../rules/runner';
import type { PlayedClient } from './player';

/** Largest message a script's rule may answer with. */
const MAX_ANSWER_BYTES = DEFAULT_MAX_PAYLOAD;

/** The keys a script's rule may have: a `--rules FILE` rule's, but `echo` (a replay echoes nothing). */
const RULE_KEYS: readonly string[] = ['when', 'match', 'flags', 'reply', 'send', 'close', 'drop', 'times'];
const RULE_KEYS_SHOWN = 'when or match (and flags), reply, send, close, drop, times';

/** A line's `rule` checked and made the API's rule; throws an Error saying what is wrong. */
export function scriptRuleOf(written: unknown): EchoRule {
  if (isPlainObject(written) && 'echo' in written)
    throw new Error(
      '"echo" has no place in a script\'s rule: a replay echoes nothing (give reply, send, close or drop)',
    );
  const unknown = isPlainObject(written) ? Object.keys(written).find((key) => !RULE_KEYS.includes(key)) : undefined;
  if (unknown !== undefined) {
    const near = closestName(unknown, RULE_KEYS);
    const hint = near === undefined ? '' : ` (did you mean "${near}"?)`;
    throw new Error(`unknown key ${JSON.stringify(unknown)}${hint}; a script's rule has ${RULE_KEYS_SHOWN}`);
  }
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

const compiledOf = new WeakMap<readonly EchoRule[], CompiledRules>();

/** A script's rules compiled once for every connection that plays it, and the runner one connection uses. */
export function runnerFor(rules: readonly EchoRule[]): RuleRunner {
  let compiled = compiledOf.get(rules);
  if (compiled === undefined) compiledOf.set(rules, (compiled = compileRules(rules)!));
  return new RuleRunner(compiled, MAX_ANSWER_BYTES);
}

/** Sends what a rule decided on `message`; whether a rule took it, and whether it ended the connection. */
export function answered(client: PlayedClient, runner: RuleRunner, message: ReceivedMessage): 'no' | 'yes' | 'ended' {
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
