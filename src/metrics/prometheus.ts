// GET /metrics: the server's counters in the Prometheus text format, read only when scraped.
import type * as PromClient from 'prom-client';
import type { EchoStats } from '../core/types';

/** The per-type and per-code counts the server keeps besides {@link EchoStats}. */
export interface DetailCounters {
  readonly binaryMessagesReceived: number;
  readonly binaryBytesReceived: number;
  readonly binaryMessagesEchoed: number;
  readonly binaryBytesEchoed: number;
  /** Connections closed, by close code. */
  readonly closesByCode: ReadonlyMap<number, number>;
}

/** Where the metrics come from; every value is read at scrape time. */
export interface MetricsSource {
  stats(): EchoStats;
  details: DetailCounters;
  /** Upgrades refused, by HTTP status. */
  refusalsByStatus: ReadonlyMap<number, number>;
}

/** One scrape's answer. */
export interface Scrape {
  contentType: string;
  body: string;
}

/** Scrapes one server's metrics. */
export interface Metrics {
  scrape(): Promise<Scrape>;
}

type Prom = typeof PromClient;

let prom: Prom | undefined;
let processRegistry: PromClient.Registry | undefined;

/**
 * prom-client costs about 65 ms and 12 MiB at `require()` (measured on this project's build
 * machine), so it loads on the first scrape, not at start-up.
 */
function loadPromClient(): Prom {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  prom ??= require('prom-client') as Prom;
  return prom;
}

/**
 * The process metrics (`process_*`, `nodejs_*`) describe the process, not one server, and
 * prom-client starts an event-loop monitor and a GC observer for them: one set per process,
 * shared by every server in it.
 */
function processMetrics(client: Prom, labels?: Record<string, string>): PromClient.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    if (labels) processRegistry.setDefaultLabels(labels);
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A counter or gauge whose labelled values are set from `read()` at each scrape. */
type Reading = Array<[labels: Record<string, string | number>, value: number]>;

interface MetricSpec {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labels?: string[];
  read: (source: MetricsSource, stats: EchoStats) => Reading | number;
}

const byType = (text: number, binary: number): Reading => [
  [{ type: 'text' }, text],
  [{ type: 'binary' }, binary],
];
const byKey = (label: string, counts: ReadonlyMap<number, number>): Reading =>
  [...counts].sort(([a], [b]) => a - b).map(([key, count]) => [{ [label]: key }, count]);

/** A counter split by message type: the binary share is counted, text is the rest of `total`. */
function perType(
  name: string,
  help: string,
  total: 'messagesReceived' | 'bytesReceived' | 'messagesEchoed' | 'bytesEchoed',
  binary: Exclude<keyof DetailCounters, 'closesByCode'>,
): MetricSpec {
  return {
    name,
    help,
    type: 'counter',
    labels: ['type'],
    read: (m, s) => byType(s[total] - m.details[binary], m.details[binary]),
  };
}

/** Every ws-echo metric: name, help, type, labels and where its value comes from. */
const SPECS: readonly MetricSpec[] = [
  {
    name: 'ws_echo_connections_open',
    help: 'WebSocket connections open now.',
    type: 'gauge',
    read: (_, s) => s.connectionsOpen,
  },
  {
    name: 'ws_echo_connections_total',
    help: 'WebSocket connections opened since start.',
    type: 'counter',
    read: (_, s) => s.connectionsTotal,
  },
  {
    name: 'ws_echo_upgrades_refused_total',
    help: 'Requests refused before a WebSocket opened, by HTTP status.',
    type: 'counter',
    labels: ['status'],
    read: (m) => byKey('status', m.refusalsByStatus),
  },
  perType(
    'ws_echo_messages_received_total',
    'Messages received from clients, by type.',
    'messagesReceived',
    'binaryMessagesReceived',
  ),
  perType(
    'ws_echo_received_bytes_total',
    'Payload bytes received from clients, by message type.',
    'bytesReceived',
    'binaryBytesReceived',
  ),
  perType(
    'ws_echo_messages_echoed_total',
    'Messages sent back to clients, by type.',
    'messagesEchoed',
    'binaryMessagesEchoed',
  ),
  perType(
    'ws_echo_echoed_bytes_total',
    'Payload bytes sent back to clients, by message type.',
    'bytesEchoed',
    'binaryBytesEchoed',
  ),
  {
    name: 'ws_echo_closes_total',
    help: 'Connections closed, by close code (1006: no close frame).',
    type: 'counter',
    labels: ['code'],
    read: (m) => byKey('code', m.details.closesByCode),
  },
  {
    name: 'ws_echo_protocol_errors_total',
    help: 'Connections closed for breaking the protocol.',
    type: 'counter',
    read: (_, s) => s.protocolErrors,
  },
  {
    name: 'ws_echo_log_lines_dropped_total',
    help: 'Log lines dropped because the output could not keep up.',
    type: 'counter',
    read: (_, s) => s.logLinesDropped,
  },
  {
    name: 'ws_echo_uptime_seconds',
    help: 'Seconds since the server started listening.',
    type: 'gauge',
    read: (_, s) => s.uptimeMs / 1000,
  },
];

/** A registry of every spec, and the call that starts each scrape. */
interface ServerRegistry {
  registry: PromClient.Registry;
  /** Forgets the last scrape's stats() snapshot. */
  startScrape(): void;
}

/** Registers every spec in a fresh registry; each metric reads its value from `source` when scraped. */
function serverRegistry(client: Prom, source: MetricsSource): ServerRegistry {
  const registry = new client.Registry();
  // One stats() snapshot per scrape, so the metrics of one scrape agree with each other.
  let snapshot: EchoStats | undefined;
  const stats = (): EchoStats => (snapshot ??= source.stats());
  for (const spec of SPECS) {
    const apply = (metric: PromClient.Counter | PromClient.Gauge): void => {
      metric.reset();
      const reading = spec.read(source, stats());
      if (typeof reading === 'number') metric.inc(reading);
      else for (const [labels, value] of reading) metric.inc(labels, value);
    };
    const config = {
      name: spec.name,
      help: spec.help,
      labelNames: spec.labels ?? [],
      registers: [registry],
      collect(this: PromClient.Counter | PromClient.Gauge) {
        apply(this);
      },
    };
    if (spec.type === 'counter') new client.Counter(config);
    else new client.Gauge(config);
  }
  return { registry, startScrape: () => void (snapshot = undefined) };
}

/**
 * The /metrics endpoint of one server; nothing loads until the first scrape. `processLabels`
 * label the process metrics (a --workers worker names itself); the first server of a process sets them.
 */
export function createMetrics(source: MetricsSource, processLabels?: Record<string, string>): Metrics {
  let ours: ServerRegistry | undefined;
  return {
    async scrape() {
      const client = loadPromClient();
      ours ??= serverRegistry(client, source);
      ours.startScrape();
      const body = (await ours.registry.metrics()) + (await processMetrics(client, processLabels).metrics());
      return { contentType: ours.registry.contentType, body };
    },
  };
}
