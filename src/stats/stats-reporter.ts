// --stats: once a second, rates and totals from the server's counters, as a status line or a log event.
import { clearInterval, setInterval } from 'node:timers';
import { COUNTERS } from '../core/counters';
import type { EchoStats } from '../core/types';
import { formatStats } from '../log/log-format';
import type { StatsEvent } from '../core/log-events';
import type { Logger } from '../log/logger';

/** How the numbers are shown. */
export type StatsOutput =
  /** A status line kept under the log lines (stdout is a terminal, no `--json`). */
  | 'status-line'
  /** A `stats` log event each interval: a JSON line with `--json`, else one plain line. */
  | 'events';

/** A running reporter. */
export interface StatsReporter {
  /** Stops reporting and removes the status line, if any. */
  stop(): void;
}

/**
 * The `stats` event for `now`, with rates over the time since `previous`: each listed counter
 * with a `stats` field, then each rate (messages to a tenth, bytes to a whole number per second).
 */
export function statsEvent(now: EchoStats, previous: EchoStats): StatsEvent {
  const seconds = Math.max(now.uptimeMs - previous.uptimeMs, 1) / 1000;
  const event: Record<string, string | number> = { event: 'stats' };
  for (const spec of COUNTERS) if ('stats' in spec) event[spec.stats] = now[spec.name];
  for (const spec of COUNTERS) {
    if (!('perSecond' in spec)) continue;
    const unit = spec.unit === 'bytes' ? 1 : 10;
    const rate = Math.max(now[spec.name] - previous[spec.name], 0) / seconds;
    event[spec.perSecond] = Math.round(rate * unit) / unit;
  }
  return event as unknown as StatsEvent;
}

/**
 * Reads `read()` every `intervalMs` and reports it through `logger`. Nothing is done per
 * message: the counters already exist, and a timer reads them.
 */
export function startStatsReporter(
  read: () => EchoStats,
  logger: Logger,
  output: StatsOutput,
  intervalMs = 1000,
): StatsReporter {
  let previous = read();
  const tick = (): void => {
    const now = read();
    const event = statsEvent(now, previous);
    previous = now;
    if (output === 'status-line') logger.status(formatStats(event));
    else logger.log(event);
  };
  const timer = setInterval(tick, intervalMs).unref();
  return {
    stop() {
      clearInterval(timer);
      if (output === 'status-line') logger.status(undefined);
    },
  };
}
