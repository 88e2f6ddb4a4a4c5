// The console page's connect form, rendered from the per-connection parameter table.
import { BEHAVIOUR_PARAMETERS, type BehaviourParameter } from '../behaviour/parameters';
import { escapeHtml } from './escape-html';

/** The bounds and unit of a number parameter, as the page shows them: `1–1048576 bytes`. */
function boundsOf(parameter: BehaviourParameter): string {
  const max = parameter.max === Number.MAX_SAFE_INTEGER ? 'any' : String(parameter.max);
  return `${parameter.min ?? 0}–${max}${parameter.unit ? ` ${parameter.unit}` : ''}`;
}

/** The hint under a field: what it does and, for numbers, which values are valid. */
function hintOf(parameter: BehaviourParameter): string {
  switch (parameter.kind) {
    case 'integer':
      if (parameter.ranges)
        return `${parameter.summary} (${parameter.ranges.map(([lo, hi]) => `${lo}–${hi}`).join(', ')})`;
      return `${parameter.summary} (${boundsOf(parameter)})`;
    case 'number':
      return `${parameter.summary} (${boundsOf(parameter)}, fractions allowed)`;
    case 'text':
      return `${parameter.summary} (at most ${parameter.maxBytes} bytes)`;
    case 'integer-range':
      return `${parameter.summary} (n or min-max, each ${boundsOf(parameter)})`;
    default:
      return parameter.summary;
  }
}

/** The attributes the page's script reads to build the URL and check values. */
function dataAttributes(parameter: BehaviourParameter): string {
  const attributes = [`data-param="${escapeHtml(parameter.name)}"`, `data-kind="${parameter.kind}"`];
  if (parameter.min !== undefined) attributes.push(`data-min="${parameter.min}"`);
  if (parameter.max !== undefined) attributes.push(`data-max="${parameter.max}"`);
  if (parameter.unit !== undefined) attributes.push(`data-unit="${escapeHtml(parameter.unit)}"`);
  if (parameter.ranges !== undefined)
    attributes.push(`data-ranges="${parameter.ranges.map(([lo, hi]) => `${lo}-${hi}`).join(',')}"`);
  if (parameter.maxBytes !== undefined) attributes.push(`data-max-bytes="${parameter.maxBytes}"`);
  return attributes.join(' ');
}

/** One labelled field for `parameter`, by its kind; `defaultMode` names the server's mode in the empty choice. */
function fieldFor(parameter: BehaviourParameter, defaultMode: string): string {
  const id = `p-${escapeHtml(parameter.name)}`;
  const name = escapeHtml(parameter.name);
  const hint = `<small id="${id}-hint">${escapeHtml(hintOf(parameter))}</small>`;
  const common = `id="${id}" ${dataAttributes(parameter)} aria-describedby="${id}-hint"`;
  switch (parameter.kind) {
    case 'choice': {
      const unset = parameter.name === 'mode' ? `server default (${defaultMode})` : 'not set';
      const options = (parameter.choices ?? []).map(
        (choice) => `<option value="${escapeHtml(choice)}">${escapeHtml(choice)}</option>`,
      );
      return `<div class="field"><label for="${id}">${name}</label><select ${common}><option value="">${escapeHtml(unset)}</option>${options.join('')}</select>${hint}</div>`;
    }
    case 'flag':
      return `<div class="field check"><input type="checkbox" ${common}><label for="${id}">${name}</label>${hint}</div>`;
    case 'integer':
    case 'integer-range':
      return `<div class="field"><label for="${id}">${name}</label><input type="text" inputmode="numeric" autocomplete="off" ${common}>${hint}</div>`;
    case 'number':
      return `<div class="field"><label for="${id}">${name}</label><input type="text" inputmode="decimal" autocomplete="off" ${common}>${hint}</div>`;
    case 'text':
      return `<div class="field"><label for="${id}">${name}</label><input type="text" autocomplete="off" ${common}>${hint}</div>`;
  }
}

/**
 * The connect form's parameter fields: `mode` in view, every other parameter in a
 * collapsed group (the table may grow; each kind has its own field).
 */
export function renderParameterFields(
  defaultMode: string,
  parameters: readonly BehaviourParameter[] = BEHAVIOUR_PARAMETERS,
): string {
  const inView = parameters.filter((p) => p.name === 'mode');
  const more = parameters.filter((p) => p.name !== 'mode');
  const group = more.length
    ? `<details id="more-params"><summary>More per-connection parameters (${more.length})</summary><div class="grid">${more.map((p) => fieldFor(p, defaultMode)).join('')}</div></details>`
    : '';
  return inView.map((p) => fieldFor(p, defaultMode)).join('') + group;
}
