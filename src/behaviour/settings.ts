// A test's client.set(): which behaviours may change on an open connection, checked by the parameter table's rules.
import { EchoServerError } from '../core/errors';
import { closestName } from '../core/suggest';
import type { Behaviour } from './behaviour';
import { closeAfterMissing } from './behaviour';
import { BEHAVIOUR_PARAMETERS, type BehaviourParameter } from './parameters';
import { checkParameterValue, describeAllowedInApi, ParameterValueError } from './values';

/** The rows `client.set()` may change (the table's `settable` column). */
export const SETTABLE_PARAMETERS: readonly BehaviourParameter[] = BEHAVIOUR_PARAMETERS.filter((p) => p.settable);

const settableNames = (): string => SETTABLE_PARAMETERS.map((p) => p.option).join(', ');

/** Shows a value a test gave, cut short. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `[${value}]` : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The row for option `key`, or an error that names what is settable (and the closest name, if one is close). */
function settableRow(key: string): BehaviourParameter {
  const row = BEHAVIOUR_PARAMETERS.find((p) => p.option === key); // API names only: `close-after` gets a suggestion
  if (row?.settable) return row;
  if (row) {
    const why = `${row.option} is chosen at the handshake and cannot change on an open connection`;
    throw new EchoServerError(`set(): ${why}; settable: ${settableNames()}`, 2);
  }
  const near = closestName(
    key,
    SETTABLE_PARAMETERS.map((p) => p.option),
  );
  const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
  throw new EchoServerError(`set(): unknown behaviour ${shown(key)}${hint}; settable: ${settableNames()}`, 2);
}

/**
 * The behaviour `current` becomes with `changes` (API option names, `undefined` turning a behaviour off), checked as
 * startEchoServer() checks its options. Throws {@link EchoServerError} (exit code 2) naming the option and what is
 * allowed; nothing changes then.
 */
export function behaviourAfterSet(current: Behaviour, changes: Readonly<Record<string, unknown>>): Behaviour {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes))
    throw new EchoServerError(`set() takes an object of behaviours ({ delay: 100 }), got ${shown(changes)}`, 2);
  const next: Record<string, unknown> = { ...current };
  const given: Record<string, unknown> = {};
  for (const key of Object.keys(changes)) {
    const row = settableRow(key);
    const value = changes[key];
    given[row.option] = value;
    if (value === undefined) {
      next[row.option] = row.default;
      continue;
    }
    try {
      next[row.option] = checkParameterValue(row, value);
    } catch (error) {
      if (!(error instanceof ParameterValueError)) throw error;
      throw new EchoServerError(`set(): ${row.option} must be ${describeAllowedInApi(row)}, got ${shown(value)}`, 2);
    }
  }
  const missing = closeAfterMissing({ ...given, closeAfter: next.closeAfter }, (p) => p.option);
  if (missing) throw new EchoServerError(`set(): ${missing}`, 2);
  return next as Behaviour;
}
