// /metrics with --workers: each scrape brings the answering worker's counters, and it serves every worker's sum.
import type { CounterSnapshot } from '../core/counters';
import { createMetrics, type Metrics, type MetricsSource } from '../metrics/prometheus';

/**
 * The /metrics of a worker: each scrape sends this worker's fresh counters to the primary,
 * which answers the sum over every worker (the others as of their last report, at most a
 * second old, and those that exited as they left), so scrapes never go down whichever
 * worker answers. The `process_*` and `nodejs_*` metrics are the answering worker's own
 * process, labelled `worker="<n>"`.
 *
 * @param local this worker's own counters
 * @param ask sends this worker's counters and resolves with the whole server's
 * @param worker this worker's number (1 to n), the process metrics' label
 */
export function clusterMetrics(
  local: MetricsSource,
  ask: (own: CounterSnapshot) => Promise<CounterSnapshot>,
  worker: number,
): Metrics {
  // Set by each scrape before anything reads it.
  let current: CounterSnapshot | undefined;
  const served = createMetrics(() => current ?? local(), { worker: String(worker) });
  return {
    async scrape() {
      current = await ask(local());
      return served.scrape();
    },
  };
}
