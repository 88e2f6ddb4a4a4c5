// The summary logged when the server stops: the totals the counter list marks for it.
import { COUNTERS } from '../core/counters';
import type { SummaryEvent } from '../core/log-events';
import type { EchoStats } from '../core/types';

/** The `summary` event for the final `stats`: each listed counter with a `summary` field, in the list's order. */
export function summaryEvent(stats: EchoStats): SummaryEvent {
  const event: Record<string, string | number> = { event: 'summary' };
  for (const spec of COUNTERS) if ('summary' in spec) event[spec.summary] = stats[spec.name];
  return event as unknown as SummaryEvent;
}
