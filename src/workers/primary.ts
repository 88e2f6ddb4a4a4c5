// --workers: n processes serve one port through node:cluster, and to the user they stay one server.
import type { EchoServerCore, EchoServerOptions, EchoStats, LogOptions } from '../core/types';
import type { Logger } from '../log/logger';
import { resolveOptions } from '../options/options';
import { sumDetails, type ClusterMetrics, type MetricsDetail } from './cluster-metrics';
import { ConnectionLedger } from './ledger';
import { LogRelay } from './log-relay';
import type { ClusterHealth, FromWorker, ToWorker } from './messages';
import { WorkerPool, type ListeningMessage, type WorkerProcess } from './pool';

/** Milliseconds a worker gets beyond the close timeout to end its connections and report. */
const STOP_GRACE_MS = 5000;

const COUNTERS = [
  'connectionsTotal',
  'upgradesRejected',
  'messagesReceived',
  'messagesEchoed',
  'bytesReceived',
  'bytesEchoed',
  'protocolErrors',
  'logLinesDropped',
] as const satisfies ReadonlyArray<keyof EchoStats>;

/**
 * Starts `count` worker processes serving `options` and resolves, once every one listens,
 * with the whole as one {@link EchoServer}: one listening line (logged here), connection ids
 * and `--max-connections` across workers (this process decides each upgrade), totals that
 * add every worker up, and `close()` ending them all as the mode says. Workers that die are
 * logged and replaced. Rejects like `startEchoServer()` when a worker cannot start.
 *
 * @param count worker processes (2 or more)
 * @param options as for `startEchoServer()`, checked here before anything is forked
 * @param log the CLI's logger, for this process's own lines
 * @param logOptions how the CLI logs; workers render their lines the same way
 */
export async function startWorkers(
  count: number,
  options: EchoServerOptions,
  log: Logger,
  logOptions: LogOptions | false,
): Promise<EchoServerCore> {
  const config = resolveOptions(options);
  const ledger = new ConnectionLedger(config.maxConnections);
  const relay = new LogRelay(logOptions);
  const reported = new Map<WorkerProcess, EchoStats>();
  const departed: EchoStats[] = []; // last counters of workers that exited
  const details = new Map<WorkerProcess, MetricsDetail>();
  const departedDetails: MetricsDetail[] = [];
  let first: ListeningMessage | undefined;
  let startedAt = Date.now();

  const totals = (): Omit<EchoStats, 'connectionsOpen' | 'uptimeMs'> => {
    const sum = Object.fromEntries(COUNTERS.map((name) => [name, 0])) as Record<(typeof COUNTERS)[number], number>;
    for (const stats of [...reported.values(), ...departed]) COUNTERS.forEach((name) => (sum[name] += stats[name]));
    sum.logLinesDropped += log.dropped() + relay.dropped();
    return sum;
  };
  const health = (): ClusterHealth => ({
    connections: ledger.open,
    logLinesDropped: totals().logLinesDropped,
    workers: pool
      .live()
      .filter((proc) => proc.listening)
      .map((proc) => ({
        worker: proc.slot,
        pid: proc.worker.process.pid ?? 0,
        connections: ledger.openBy(proc.worker.id),
      })),
  });
  const answer = (proc: WorkerProcess, message: ToWorker): void => void proc.worker.send(message);
  // The asking worker's counters are fresh; every other worker's are its last report.
  const metrics = (proc: WorkerProcess, own: ClusterMetrics): ClusterMetrics => {
    reported.set(proc, own.stats);
    details.set(proc, own.detail);
    const stats = { ...totals(), connectionsOpen: ledger.open, uptimeMs: Date.now() - startedAt };
    return { stats, detail: sumDetails([...details.values(), ...departedDetails]) };
  };

  const onMessage = (proc: WorkerProcess, message: FromWorker): void => {
    switch (message.type) {
      case 'log':
        return relay.write(message.stream, message.text);
      case 'admit': {
        const decision = ledger.admit(proc.worker.id);
        return 'id' in decision
          ? answer(proc, { type: 'admitted', seq: message.seq, id: decision.id })
          : answer(proc, { type: 'refused', seq: message.seq, refusal: decision.refusal });
      }
      case 'release':
        return ledger.release(proc.worker.id);
      case 'health':
        return answer(proc, { type: 'health', seq: message.seq, health: health() });
      case 'metrics':
        return answer(proc, { type: 'metrics', seq: message.seq, metrics: metrics(proc, message.own) });
      case 'stats':
        if (message.detail) details.set(proc, message.detail);
        return void reported.set(proc, message.stats);
    }
  };

  const pool = new WorkerPool(
    count,
    (slot) => ({ type: 'start', worker: slot, options, log: relay.workerSettings }),
    log,
    {
      listening: (_proc, message) => void (first ??= message),
      message: onMessage,
      exited: (proc) => {
        ledger.forget(proc.worker.id);
        const last = reported.get(proc);
        if (last) departed.push(last);
        reported.delete(proc);
        const lastDetail = details.get(proc);
        if (lastDetail) departedDetails.push(lastDetail);
        details.delete(proc);
      },
    },
  );
  await pool.start();
  const listening = first as ListeningMessage;
  listening.events.forEach((event) => log.log(event)); // the listening line and start-up warnings, once
  startedAt = Date.now();

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    ledger.close();
    await pool.stop(config.closeTimeoutMs + STOP_GRACE_MS);
    await relay.flush(1000);
  };
  return {
    url: listening.url,
    port: listening.port,
    host: listening.host,
    mode: config.mode,
    connections: () => ledger.open,
    stats: () => ({ ...totals(), connectionsOpen: ledger.open, uptimeMs: Date.now() - startedAt }),
    close: () => (closing ??= shutdown()),
  };
}
