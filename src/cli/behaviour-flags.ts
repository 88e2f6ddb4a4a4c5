// The per-connection behaviours as CLI flags, generated from their table: one flag per row, help from its summary.
import { InvalidArgumentError, Option } from 'commander';
import { BEHAVIOUR_PARAMETERS, type BehaviourParameter } from '../behaviour/parameters';
import { describeAllowed, parseParameterText, ParameterValueError } from '../behaviour/values';
import { closeAfterMissing } from '../behaviour/behaviour';
import { EchoServerError } from '../core/errors';
import type { BehaviourOptions } from '../core/types';
import { unitForms, withoutUnit } from './units';

/** The heading of these flags in `--help`. */
export const BEHAVIOUR_HELP_GROUP = 'Per connection (a client overrides each in its URL: /?delay=100&close-after=3):';

/** The placeholder after a flag: `<ms|min-max>`, `<bytes>`, `<text>`. */
function placeholder(p: BehaviourParameter): string {
  if (p.kind === 'choice') return `<${p.name}>`;
  if (p.kind === 'text') return '<text>';
  if (p.kind === 'integer-range') return `<${p.unit}|min-max>`;
  if (p.ranges) return '<code>';
  if (p.unit === 's') return '<duration>';
  if (p.unit === 'bytes') return '<size>';
  if (p.unit === 'HTTP status') return '<status>';
  return p.unit && p.unit !== 'echoes' ? `<${p.unit}>` : '<n>';
}

/** One commander option for the row `p`. */
function optionFor(p: BehaviourParameter): Option {
  const flags = `${p.short ? `-${p.short}, ` : ''}--${p.name}${p.kind === 'flag' ? '' : ` ${placeholder(p)}`}`;
  const allowed = p.kind === 'choice' || p.kind === 'flag' ? '' : ` (${describeAllowed(p)})`;
  const option = new Option(flags, `${p.summary}${allowed}`).helpGroup(BEHAVIOUR_HELP_GROUP);
  if (p.kind === 'choice') option.choices(p.choices ?? []);
  else if (p.kind !== 'flag') {
    option.argParser((text: string) => {
      try {
        return parseParameterText(p, withoutUnit(text, p.unit));
      } catch (error) {
        if (!(error instanceof ParameterValueError)) throw error;
        const forms = unitForms(p.unit);
        // `must be a whole number from 1 to 4294967296 bytes` becomes `must be bytes or a size with a unit (...): a
        // whole number ...`
        throw new InvalidArgumentError(
          `It ${forms ? error.message.replace(/^must be /, `must be ${forms}: `) : error.message}.`,
        );
      }
    });
  }
  if (p.default !== undefined && p.kind !== 'flag') option.default(p.default);
  return option;
}

/** Every behaviour flag, in the table's order. */
export function behaviourFlags(): Option[] {
  return BEHAVIOUR_PARAMETERS.map(optionFor);
}

/** The behaviour options of startEchoServer() from parsed flags (as `program.opts()` holds them). */
export function behaviourOptionsFrom(flags: Record<string, unknown>): BehaviourOptions {
  const options = behaviourFlags();
  const chosen: Record<string, unknown> = {};
  BEHAVIOUR_PARAMETERS.forEach((p, i) => {
    const option = options[i];
    const value = flags[option.attributeName()];
    // `--no-pong` is commander's negation of a `pong` flag that defaults to true.
    if (option.negate) chosen[p.option] = value === false ? true : undefined;
    else chosen[p.option] = value;
  });
  // commander fills in defaults (--close-code 1000): only a value that differs counts as given.
  const given = Object.fromEntries(
    BEHAVIOUR_PARAMETERS.map((p) => [p.option, chosen[p.option] === p.default ? undefined : chosen[p.option]]),
  );
  const missing = closeAfterMissing(given, (p) => `--${p.name}`);
  if (missing) throw new EchoServerError(missing, 2);
  return given as BehaviourOptions; // a default left out is the same default in startEchoServer()
}
