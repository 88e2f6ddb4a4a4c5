// --workers: n processes serve one port through node:cluster, and to the user they stay one server.
import { publicStats, type CounterSnapshot } from '../core/counters';
import type { EchoServerCore, EchoServerOptions, LogOptions } from '../core/types';
import type { Logger } from '../log/logger';
import { resolveOptions, type ResolvedOptions } from '../options/options';
import { ClusterCounters } from './cluster-counters';
import { ConnectionLedger } from './ledger';
import { LogRelay } from './log-relay';
import type { ClusterHealth, FromWorker, ToWorker } from './messages';
import { WorkerPool, type ListeningMessage, type WorkerProcess } from './pool';

/** Milliseconds a worker gets beyond the close timeout to end its connections and report. */
const STOP_GRACE_MS = 5000;

/** What the primary keeps for the whole server while its workers run. */
interface Cluster {
  config: ResolvedOptions;
  log: Logger;
  ledger: ConnectionLedger;
  relay: LogRelay;
  counters: ClusterCounters<WorkerProcess>;
  /** When the whole server started listening. */
  startedAt: number;
  /** The live workers, once the pool exists. */
  live: () => WorkerProcess[];
}

/** The whole server's counters now: every worker's added up, the gauges and dropped lines of this process. */
function totals(cluster: Cluster): CounterSnapshot {
  const gauges = { connectionsOpen: cluster.ledger.open, uptimeMs: Date.now() - cluster.startedAt };
  return cluster.counters.sum(gauges, cluster.log.dropped() + cluster.relay.dropped());
}

/** What `/healthz` answers: the open connections across workers, and each worker's. */
function health(cluster: Cluster): ClusterHealth {
  const workers = cluster
    .live()
    .filter((proc) => proc.listening)
    .map((proc) => ({
      worker: proc.slot,
      pid: proc.worker.process.pid ?? 0,
      connections: cluster.ledger.openBy(proc.worker.id),
    }));
  return { connections: cluster.ledger.open, logLinesDropped: totals(cluster).logLinesDropped, workers };
}

/** Handles one message from a worker: log lines, admissions, releases, `/healthz`, `/metrics`, reports. */
function onMessage(cluster: Cluster, proc: WorkerProcess, message: FromWorker): void {
  const answer = (reply: ToWorker): void => void proc.worker.send(reply);
  switch (message.type) {
    case 'log':
      return cluster.relay.write(message.stream, message.text);
    case 'admit': {
      const decision = cluster.ledger.admit(proc.worker.id);
      return 'id' in decision
        ? answer({ type: 'admitted', seq: message.seq, id: decision.id })
        : answer({ type: 'refused', seq: message.seq, refusal: decision.refusal });
    }
    case 'release':
      return cluster.ledger.release(proc.worker.id);
    case 'health':
      return answer({ type: 'health', seq: message.seq, health: health(cluster) });
    case 'metrics':
      // The asking worker's counters are fresh; every other worker's are its last report.
      cluster.counters.report(proc, message.own);
      return answer({ type: 'metrics', seq: message.seq, metrics: totals(cluster) });
    case 'stats':
      return cluster.counters.report(proc, message.counters);
  }
}

/**
 * The port a starting worker asks for. node:cluster shares one listening socket per port
 * *asked for*, and closes it when the last worker on it is gone: so a worker asks for what
 * the live ones asked for (with `--port 0`, 0 again, to join their socket), and once none
 * is left, for the port the server advertised. Else, after every worker died, replacements
 * asking for 0 would listen on a new random port while the advertised one refuses.
 */
function sharedPort(
  proc: WorkerProcess,
  live: readonly WorkerProcess[],
  asked: number | undefined,
  listening: ListeningMessage | undefined,
): number | undefined {
  // A worker that has disconnected has already left the shared socket, before its exit.
  const peer = live.find((other) => other !== proc && other.port !== undefined && other.worker.isConnected());
  return peer ? peer.port : (listening?.port ?? asked);
}

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
  const relay = new LogRelay(logOptions);
  const counters = new ClusterCounters<WorkerProcess>();
  const ledger = new ConnectionLedger(config.maxConnections);
  const cluster: Cluster = { config, log, relay, counters, ledger, startedAt: Date.now(), live: () => [] };
  let first: ListeningMessage | undefined;
  const pool = new WorkerPool(
    count,
    (proc) => {
      proc.port = sharedPort(proc, pool.live(), options.port, first);
      return { type: 'start', worker: proc.slot, options: { ...options, port: proc.port }, log: relay.workerSettings };
    },
    log,
    {
      listening: (_proc, message) => void (first ??= message),
      message: (proc, message) => onMessage(cluster, proc, message),
      exited: (proc) => {
        cluster.ledger.forget(proc.worker.id);
        counters.exited(proc);
      },
    },
  );
  cluster.live = () => pool.live();
  await pool.start();
  const listening = first as ListeningMessage;
  listening.events.forEach((event) => log.log(event)); // the listening line and start-up warnings, once
  cluster.startedAt = Date.now();
  return asOneServer(cluster, listening, pool);
}

/** The workers as one server: its address, totals over every worker, and `close()` ending them all. */
function asOneServer(cluster: Cluster, listening: ListeningMessage, pool: WorkerPool): EchoServerCore {
  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    cluster.ledger.close();
    await pool.stop(cluster.config.closeTimeoutMs + STOP_GRACE_MS);
    await cluster.relay.flush(1000);
  };
  return {
    url: listening.url,
    port: listening.port,
    host: listening.host,
    mode: cluster.config.mode,
    connections: () => cluster.ledger.open,
    stats: () => publicStats(totals(cluster)),
    close: () => (closing ??= shutdown()),
  };
}
