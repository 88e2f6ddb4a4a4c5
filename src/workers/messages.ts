// The messages a --workers primary and its worker processes exchange over the cluster IPC channel.
import type { CounterSnapshot } from '../core/counters';
import type { EchoServerOptions, LogFormat } from '../core/types';
import type { LogEvent } from '../core/log-events';
import type { UpgradeRefusal } from '../edge/handshake';

/** Set in a worker's environment by the primary; the CLI then runs the worker, not the flags. */
export const WORKER_ENV = 'WS_ECHO_WORKER';

/** How a worker renders its log lines; the primary decides colors for its own terminal. */
export interface WorkerLogSettings {
  format: LogFormat;
  quiet: boolean;
  color: boolean;
}

/** What `/healthz` reports for the whole server. */
export interface ClusterHealth {
  connections: number;
  logLinesDropped: number;
  workers: Array<{ worker: number; pid: number; connections: number }>;
}

/** Primary to worker. `seq` answers the worker's request of the same `seq`. */
export type ToWorker =
  | { type: 'start'; worker: number; options: EchoServerOptions; log: WorkerLogSettings | false }
  | { type: 'admitted'; seq: number; id: number }
  | { type: 'refused'; seq: number; refusal: UpgradeRefusal }
  | { type: 'health'; seq: number; health: ClusterHealth }
  | { type: 'metrics'; seq: number; metrics: CounterSnapshot }
  | { type: 'stop' };

/** Worker to primary. */
export type FromWorker =
  /** Listening for messages: send the start options. */
  | { type: 'ready' }
  /** The server is up; `events` are what it logged while starting (the listening line, warnings). */
  | { type: 'listening'; url: string; host: string; port: number; events: LogEvent[] }
  /** The server could not start; the worker exits with `exitCode`. */
  | { type: 'failed'; message: string; exitCode: 1 | 2 }
  /** A request: may one more connection open, or the totals for `/healthz` (`seq` for the answer). */
  | (WorkerRequest & { seq: number })
  /** An admitted connection is gone (closed, or its upgrade did not finish). */
  | { type: 'release' }
  /** Whole log lines, each ending in a newline, for stdout (`out`) or stderr (`err`). */
  | { type: 'log'; stream: 'out' | 'err'; text: string }
  /** The worker's counters, every one listed: every second, and a last time once its server has closed. */
  | { type: 'stats'; counters: CounterSnapshot };

/**
 * What a worker asks the primary: a slot and an id for one more connection, the `/healthz`
 * totals, or the `/metrics` totals (bringing its own fresh counters).
 */
export type WorkerRequest = { type: 'admit' } | { type: 'health' } | { type: 'metrics'; own: CounterSnapshot };
/** An answer to a {@link WorkerRequest}. */
export type PrimaryAnswer = Extract<ToWorker, { seq: number }>;
