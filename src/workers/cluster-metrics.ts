// /metrics with --workers: each worker reports its detail counters, and the answering worker serves every worker's sum.
import type { EchoStats } from '../core/types';
import { createMetrics, type DetailCounters, type Metrics, type MetricsSource } from '../metrics/prometheus';

/** A worker's metrics counters beyond {@link EchoStats}, in a form that crosses the IPC channel. */
export interface MetricsDetail {
  binaryMessagesReceived: number;
  binaryBytesReceived: number;
  binaryMessagesEchoed: number;
  binaryBytesEchoed: number;
  closesByCode: Array<[code: number, count: number]>;
  refusalsByStatus: Array<[status: number, count: number]>;
}

/** One scrape's numbers for the whole server, as the primary answers them. */
export interface ClusterMetrics {
  stats: EchoStats;
  detail: MetricsDetail;
}

/** Reads `source` into a {@link MetricsDetail}. */
export function metricsDetail(source: MetricsSource): MetricsDetail {
  const { binaryMessagesReceived, binaryBytesReceived, binaryMessagesEchoed, binaryBytesEchoed, closesByCode } =
    source.details;
  return {
    binaryMessagesReceived,
    binaryBytesReceived,
    binaryMessagesEchoed,
    binaryBytesEchoed,
    closesByCode: [...closesByCode],
    refusalsByStatus: [...source.refusalsByStatus],
  };
}

/** Adds the details of every worker (live and exited) into one. */
export function sumDetails(details: Iterable<MetricsDetail>): MetricsDetail {
  const sum: MetricsDetail = {
    binaryMessagesReceived: 0,
    binaryBytesReceived: 0,
    binaryMessagesEchoed: 0,
    binaryBytesEchoed: 0,
    closesByCode: [],
    refusalsByStatus: [],
  };
  const closes = new Map<number, number>();
  const refusals = new Map<number, number>();
  for (const detail of details) {
    sum.binaryMessagesReceived += detail.binaryMessagesReceived;
    sum.binaryBytesReceived += detail.binaryBytesReceived;
    sum.binaryMessagesEchoed += detail.binaryMessagesEchoed;
    sum.binaryBytesEchoed += detail.binaryBytesEchoed;
    for (const [code, count] of detail.closesByCode) closes.set(code, (closes.get(code) ?? 0) + count);
    for (const [status, count] of detail.refusalsByStatus) refusals.set(status, (refusals.get(status) ?? 0) + count);
  }
  sum.closesByCode = [...closes];
  sum.refusalsByStatus = [...refusals];
  return sum;
}

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
  ask: (own: ClusterMetrics) => Promise<ClusterMetrics>,
  worker: number,
): Metrics {
  // Set by each scrape before anything reads it (the server's own stats() is not ready yet at set-up).
  let current = undefined as unknown as ClusterMetrics;
  const details: DetailCounters = {
    get binaryMessagesReceived() {
      return current.detail.binaryMessagesReceived;
    },
    get binaryBytesReceived() {
      return current.detail.binaryBytesReceived;
    },
    get binaryMessagesEchoed() {
      return current.detail.binaryMessagesEchoed;
    },
    get binaryBytesEchoed() {
      return current.detail.binaryBytesEchoed;
    },
    get closesByCode() {
      return new Map(current.detail.closesByCode);
    },
  };
  const served = createMetrics(
    {
      stats: () => current.stats,
      details,
      get refusalsByStatus() {
        return new Map(current.detail.refusalsByStatus);
      },
    },
    { worker: String(worker) },
  );
  return {
    async scrape() {
      current = await ask({ stats: local.stats(), detail: metricsDetail(local) });
      return served.scrape();
    },
  };
}
