// GET /metrics: the server's counters in the Prometheus text format, read only when scraped.
import type * as PromClient from 'prom-client';
import { COUNTERS, type CodeCounts, type CounterSnapshot, type CounterSpec } from '../core/counters';

/** Where the metrics come from: every counter, read at scrape time (once per scrape). */
export type MetricsSource = () => CounterSnapshot;

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
  labels: string[];
  read: (snapshot: CounterSnapshot) => Reading | number;
}

type Listed = (typeof COUNTERS)[number];
type SnapshotName = keyof CounterSnapshot;

/** Close codes that are label values of their own: those RFC 6455 and the IANA registry define. */
const NAMED_CLOSE_CODES = { from: 1000, to: 1015 };
/** Close-code ranges a client may send, each one label value (one series, whatever the client picks). */
const CLOSE_CODE_RANGES: ReadonlyArray<{ from: number; to: number; value: string }> = [
  { from: 3000, to: 3999, value: '3xxx' },
  { from: 4000, to: 4999, value: '4xxx' },
];

/** The label value of each code of a grouped counter (see `group` in core/counters.ts): a bounded set. */
const CODE_GROUPS: Record<NonNullable<CounterSpec['group']>, (code: number) => string> = {
  closeCode: (code) =>
    code >= NAMED_CLOSE_CODES.from && code <= NAMED_CLOSE_CODES.to
      ? String(code)
      : (CLOSE_CODE_RANGES.find((range) => code >= range.from && code <= range.to)?.value ?? 'other'),
  statusClass: (status) => `${Math.floor(status / 100)}xx`,
};

/** How one listed counter reads on /metrics: by type, by code, or as it is (milliseconds as seconds). */
function readingOf(spec: Listed): Pick<MetricSpec, 'labels' | 'read'> {
  const name = spec.name as SnapshotName;
  if ('binaryShare' in spec) {
    const binary = spec.binaryShare;
    const read = (s: CounterSnapshot): Reading => [
      [{ type: 'text' }, (s[name] as number) - s[binary]],
      [{ type: 'binary' }, s[binary]],
    ];
    return { labels: ['type'], read };
  }
  if ('label' in spec) {
    const label = spec.label;
    const group: (code: number) => string | number = 'group' in spec ? CODE_GROUPS[spec.group] : (code) => code;
    // Codes of one group add up into its series (prom-client's inc() adds).
    const read = (s: CounterSnapshot): Reading =>
      [...(s[name] as CodeCounts)].sort(([a], [b]) => a - b).map(([code, count]) => [{ [label]: group(code) }, count]);
    return { labels: [label], read };
  }
  const scale = spec.unit === 'ms' ? 1 / 1000 : 1;
  return { labels: [], read: (s) => (s[name] as number) * scale };
}

/** Every listed counter with a Prometheus family, in the list's order. */
const SPECS: readonly MetricSpec[] = COUNTERS.flatMap((spec) =>
  'metric' in spec
    ? [{ name: spec.metric, help: spec.help, type: spec.kind === 'gauge' ? 'gauge' : 'counter', ...readingOf(spec) }]
    : [],
);

/** A registry of every spec, and the call that starts each scrape. */
interface ServerRegistry {
  registry: PromClient.Registry;
  /** Forgets the last scrape's snapshot. */
  startScrape(): void;
}

/** Registers every spec in a fresh registry; each metric reads its value from `source` when scraped. */
function serverRegistry(client: Prom, source: MetricsSource): ServerRegistry {
  const registry = new client.Registry();
  // One snapshot per scrape, so the metrics of one scrape agree with each other.
  let snapshot: CounterSnapshot | undefined;
  const read = (): CounterSnapshot => (snapshot ??= source());
  for (const spec of SPECS) {
    const apply = (metric: PromClient.Counter | PromClient.Gauge): void => {
      metric.reset();
      const reading = spec.read(read());
      if (typeof reading === 'number') metric.inc(reading);
      else for (const [labels, value] of reading) metric.inc(labels, value);
    };
    const config = {
      name: spec.name,
      help: spec.help,
      labelNames: spec.labels,
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
