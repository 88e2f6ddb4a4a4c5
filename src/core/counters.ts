// Every counter the server keeps, as one list: stats(), the summary, --stats, /metrics and --workers totals follow it.
import type { SummaryEvent, StatsEvent } from './log-events';
import type { EchoStats } from './types';

/**
 * How a counter adds up: `total` only grows (summed over workers), `gauge` is a reading now
 * (the --workers primary gives its own), `byCode` counts by a status or close code (summed code by code).
 */
export type CounterKind = 'total' | 'gauge' | 'byCode';

/**
 * Where a counter is kept: `connection` counters are fields of one plain object
 * ({@link ConnectionCounters}) the echo loop increments in place; `server` counters are read from
 * the server's parts (its connection set, refusals, log) when a snapshot is taken.
 */
export type CounterHome = 'connection' | 'server';

/** One counter: its name, how it adds up, and where each view shows it. */
export interface CounterSpec {
  /** Its field in stats(), the snapshot and the worker reports. */
  readonly name: string;
  readonly kind: CounterKind;
  readonly home: CounterHome;
  /** Whether it is a field of the public {@link EchoStats} (checked against that interface below). */
  readonly public: boolean;
  /** What it counts; `ms` counters are shown in seconds on /metrics. */
  readonly unit: 'connections' | 'requests' | 'messages' | 'bytes' | 'lines' | 'ms';
  /** Its Prometheus family, if it has one of its own. */
  readonly metric?: string;
  /** The family's help text. */
  readonly help?: string;
  /** A `byCode` counter's label on /metrics. */
  readonly label?: 'code' | 'status';
  /**
   * How a `byCode` counter's codes group into label values on /metrics when a client picks them
   * (each value is a series kept for ever): `closeCode` keeps 1000-1015 and groups `3xxx`, `4xxx`
   * and `other`; `statusClass` keeps the class (`4xx`, `5xx`). Absent: each code is its own value.
   */
  readonly group?: 'closeCode' | 'statusClass';
  /** A total split on /metrics by message type: the counter of its binary share (text is the rest). */
  readonly binaryShare?: string;
  /** Its field in the --stats event, and the field of its rate per second there. */
  readonly stats?: string;
  readonly perSecond?: string;
  /** Its field in the summary event logged at shutdown. */
  readonly summary?: string;
}

/**
 * Every counter. A new counter is one line here (plus its increment, and its `EchoStats` field if
 * public): the views below and the --workers sums all follow. The order is that of stats() and /metrics.
 */
// prettier-ignore
export const COUNTERS = [
  { name: 'connectionsTotal', kind: 'total', home: 'server', public: true, unit: 'connections',
    metric: 'ws_echo_connections_total', help: 'WebSocket connections opened since start.',
    stats: 'connectionsTotal', summary: 'connections' },
  { name: 'connectionsOpen', kind: 'gauge', home: 'server', public: true, unit: 'connections',
    metric: 'ws_echo_connections_open', help: 'WebSocket connections open now.', stats: 'connections' },
  { name: 'h2ConnectionsTotal', kind: 'total', home: 'server', public: false, unit: 'connections',
    metric: 'ws_echo_h2_connections_total',
    help: 'WebSocket connections opened over HTTP/2 (RFC 8441, --h2) since start; the rest came over HTTP/1.1.' },
  { name: 'upgradesRejected', kind: 'total', home: 'server', public: true, unit: 'requests', summary: 'rejected' },
  { name: 'refusalsByStatus', kind: 'byCode', home: 'server', public: false, unit: 'requests', label: 'status',
    metric: 'ws_echo_upgrades_refused_total',
    help: 'Requests refused before a WebSocket opened, by HTTP status (not those a client asked for with reject=).' },
  { name: 'askedRefusalsByStatus', kind: 'byCode', home: 'server', public: false, unit: 'requests', label: 'status',
    group: 'statusClass', metric: 'ws_echo_upgrades_refused_as_asked_total',
    help: 'Upgrades refused because the client asked for it (reject=<status>, h2-refuse=<status>), by status class.' },
  { name: 'askedH2Resets', kind: 'total', home: 'server', public: false, unit: 'requests',
    metric: 'ws_echo_h2_streams_reset_as_asked_total',
    help: 'WebSockets over HTTP/2 whose stream was reset unanswered because the client asked for it (h2-reset).' },
  { name: 'messagesReceived', kind: 'total', home: 'connection', public: true, unit: 'messages',
    metric: 'ws_echo_messages_received_total', help: 'Messages received from clients, by type.',
    binaryShare: 'binaryMessagesReceived', stats: 'messagesReceived', perSecond: 'messagesInPerSecond',
    summary: 'messages' },
  { name: 'messagesEchoed', kind: 'total', home: 'connection', public: true, unit: 'messages',
    metric: 'ws_echo_messages_echoed_total', help: 'Messages sent back to clients, by type.',
    binaryShare: 'binaryMessagesEchoed', stats: 'messagesEchoed', perSecond: 'messagesOutPerSecond' },
  { name: 'bytesReceived', kind: 'total', home: 'connection', public: true, unit: 'bytes',
    metric: 'ws_echo_received_bytes_total', help: 'Payload bytes received from clients, by message type.',
    binaryShare: 'binaryBytesReceived', stats: 'bytesReceived', perSecond: 'bytesInPerSecond',
    summary: 'bytesReceived' },
  { name: 'bytesEchoed', kind: 'total', home: 'connection', public: true, unit: 'bytes',
    metric: 'ws_echo_echoed_bytes_total', help: 'Payload bytes sent back to clients, by message type.',
    binaryShare: 'binaryBytesEchoed', stats: 'bytesEchoed', perSecond: 'bytesOutPerSecond',
    summary: 'bytesEchoed' },
  { name: 'binaryMessagesReceived', kind: 'total', home: 'connection', public: false, unit: 'messages' },
  { name: 'binaryMessagesEchoed', kind: 'total', home: 'connection', public: false, unit: 'messages' },
  { name: 'binaryBytesReceived', kind: 'total', home: 'connection', public: false, unit: 'bytes' },
  { name: 'binaryBytesEchoed', kind: 'total', home: 'connection', public: false, unit: 'bytes' },
  { name: 'closesByCode', kind: 'byCode', home: 'connection', public: false, unit: 'connections', label: 'code',
    group: 'closeCode', metric: 'ws_echo_closes_total',
    help: 'Connections closed, by close code (1006: no close frame; 3xxx, 4xxx: application codes).' },
  { name: 'protocolErrors', kind: 'total', home: 'connection', public: true, unit: 'connections',
    metric: 'ws_echo_protocol_errors_total', help: 'Connections closed for breaking the protocol.',
    summary: 'protocolErrors' },
  { name: 'logLinesDropped', kind: 'total', home: 'server', public: true, unit: 'lines',
    metric: 'ws_echo_log_lines_dropped_total', help: 'Log lines dropped because the output could not keep up.',
    stats: 'logLinesDropped', summary: 'logLinesDropped' },
  { name: 'uptimeMs', kind: 'gauge', home: 'server', public: true, unit: 'ms',
    metric: 'ws_echo_uptime_seconds', help: 'Seconds since the server started listening.',
    stats: 'uptimeMs', summary: 'uptimeMs' },
] as const satisfies readonly CounterSpec[];

type Listed = (typeof COUNTERS)[number];
/** The names of the listed counters that have `shape`. */
type NamesWith<Shape> = Extract<Listed, Shape>['name'];

/** Any listed counter's name. */
export type CounterName = Listed['name'];

/** The counters the echo loop increments in place: plain fields on one object, one per server. */
export type ConnectionCounters = { [K in NamesWith<{ home: 'connection'; kind: 'total' }>]: number } & {
  [K in NamesWith<{ home: 'connection'; kind: 'byCode' }>]: Map<number, number>;
};

/** Counts by code, as `[code, count]` pairs (they cross the --workers IPC channel as they are). */
export type CodeCounts = Array<[code: number, count: number]>;

/** Every counter's value at one moment: what a worker reports, what /metrics reads. */
export type CounterSnapshot = { [K in NamesWith<{ kind: 'total' | 'gauge' }>]: number } & {
  [K in NamesWith<{ kind: 'byCode' }>]: CodeCounts;
};

/** How the server reads each counter it does not keep in {@link ConnectionCounters}. */
export type ServerCounterReaders = {
  [K in NamesWith<{ home: 'server' }>]: () => CounterSnapshot[K];
};

/** The gauges, which do not add up over workers: the --workers primary reads its own. */
export type Gauges = { [K in NamesWith<{ kind: 'gauge' }>]: number };

// Type-level checks: the list and the public shapes it feeds name the same fields.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type _EchoStatsIsThePublicCounters = Holds<Same<keyof EchoStats, NamesWith<{ public: true }>>>;
type StatsFields = Extract<Listed, { stats: string }>['stats'] | Extract<Listed, { perSecond: string }>['perSecond'];
export type _StatsEventIsTheListed = Holds<Same<Exclude<keyof StatsEvent, 'event'>, StatsFields>>;
export type _SummaryIsTheListed = Holds<
  Same<Exclude<keyof SummaryEvent, 'event'>, Extract<Listed, { summary: string }>['summary']>
>;

/**
 * A fresh set of {@link ConnectionCounters}, every count zero. Built by `JSON.parse` so every field is an
 * in-object property, as an object literal's are (a loop of assignments would put most in a
 * separate backing store: one more load on each increment of the echo loop).
 */
export function newConnectionCounters(): ConnectionCounters {
  const zeros: Record<string, number | null> = {};
  for (const spec of COUNTERS) if (spec.home === 'connection') zeros[spec.name] = spec.kind === 'byCode' ? null : 0;
  const counters = JSON.parse(JSON.stringify(zeros)) as Record<string, number | Map<number, number> | null>;
  for (const spec of COUNTERS)
    if (spec.home === 'connection' && spec.kind === 'byCode') counters[spec.name] = new Map();
  return counters as ConnectionCounters;
}

/** Reads every counter now: the connection counters copied, the others from `readers`. */
export function takeSnapshot(counters: ConnectionCounters, readers: ServerCounterReaders): CounterSnapshot {
  const snapshot: Record<string, number | CodeCounts> = {};
  for (const spec of COUNTERS) {
    if (spec.home === 'server') snapshot[spec.name] = readers[spec.name]();
    else if (spec.kind === 'byCode') snapshot[spec.name] = [...counters[spec.name]];
    else snapshot[spec.name] = counters[spec.name];
  }
  return snapshot as CounterSnapshot;
}

/** The public counters of a snapshot, as stats() returns them. */
export function publicStats(snapshot: CounterSnapshot): EchoStats {
  const stats: Record<string, number> = {};
  for (const spec of COUNTERS) if (spec.public) stats[spec.name] = snapshot[spec.name];
  return stats as unknown as EchoStats;
}

/** Adds `counts` into `into`, code by code. */
function addCodes(into: Map<number, number>, counts: CodeCounts): void {
  for (const [code, count] of counts) into.set(code, (into.get(code) ?? 0) + count);
}

/** The whole of several processes' snapshots: totals and counts by code added up, gauges as given. */
export function sumSnapshots(snapshots: readonly CounterSnapshot[], gauges: Gauges): CounterSnapshot {
  const sum: Record<string, number | CodeCounts> = {};
  for (const spec of COUNTERS) {
    if (spec.kind === 'gauge') sum[spec.name] = gauges[spec.name];
    else if (spec.kind === 'total') sum[spec.name] = snapshots.reduce((total, s) => total + s[spec.name], 0);
    else {
      const codes = new Map<number, number>();
      for (const snapshot of snapshots) addCodes(codes, snapshot[spec.name]);
      sum[spec.name] = [...codes].sort(([a], [b]) => a - b);
    }
  }
  return sum as CounterSnapshot;
}
