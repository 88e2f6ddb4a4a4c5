// --workers 2: every counter in the one list (src/core/counters.ts) reaches /metrics and the summary as the sum over
// both workers (the CLI as a child, real ws clients, raw TCP for refusals and protocol errors).
import { COUNTERS, type CounterName, type CounterSnapshot } from '../../src/core/counters';
import { ClusterCounters } from '../../src/workers/cluster-counters';
import { closeClient, type TestClient } from '../helpers/clients';
import { Opcode } from '../helpers/wire/frames';
import { jsonLines, startJsonCli } from '../helpers/processes/json-cli';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil } from '../helpers/probe';
import { H2Client } from '../helpers/wire/h2-websocket';
import { parsePrometheusText, valueOf, type Family } from '../helpers/prom-text';
import { openRawClient } from '../helpers/wire/raw-client';
import { portOf, rawUpgrade } from '../helpers/wire/raw-http';

const { client, defer } = perTest();

const CLIENTS = 8;
const CLOSED = 4;
const REFUSED = 4;
const ASKED = 2;
const BROKEN = 4;
/** WebSockets over HTTP/2 (RFC 8441), on one HTTP/2 connection: both workers cannot share it, one holds them all. */
const H2 = 2;
/** RFC 8441 WebSockets whose stream is reset as asked (h2-reset), on that same HTTP/2 connection. */
const RESETS = 2;

/** What the traffic below leaves on /metrics: every sample of each counter's family, summed over the workers. */
type Expected = Array<[labels: Record<string, string>, value: number | 'positive']>;
const byType = (text: number, binary: number): Expected => [
  [{ type: 'text' }, text],
  [{ type: 'binary' }, binary],
];

/**
 * Each listed counter with a metric: its expected samples after the traffic of the test. A counter added to the
 * list without a line here fails the test: say how to provoke it, so its sum over workers is checked too.
 */
const EXPECTED_METRICS: Partial<Record<CounterName, Expected>> = {
  connectionsTotal: [[{}, CLIENTS + BROKEN + H2]],
  connectionsOpen: [[{}, CLIENTS - CLOSED + H2]],
  h2ConnectionsTotal: [[{}, H2]],
  refusalsByStatus: [[{ status: '426' }, REFUSED]],
  askedRefusalsByStatus: [[{ status: '5xx' }, ASKED]],
  askedH2Resets: [[{}, RESETS]],
  messagesReceived: byType(CLIENTS, CLIENTS),
  messagesEchoed: byType(CLIENTS, CLIENTS),
  bytesReceived: byType(5 * CLIENTS, 3 * CLIENTS),
  bytesEchoed: byType(5 * CLIENTS, 3 * CLIENTS),
  closesByCode: [
    [{ code: '1002' }, BROKEN],
    [{ code: '1000' }, CLOSED],
  ],
  protocolErrors: [[{}, BROKEN]],
  logLinesDropped: [[{}, 0]],
  uptimeMs: [[{}, 'positive']],
};

/** Counters without a metric of their own, checked in the summary logged at shutdown (after all closes). */
const EXPECTED_SUMMARY: Partial<Record<CounterName, number>> = {
  upgradesRejected: REFUSED + ASKED + RESETS,
};

/** The binary shares, checked through the `type` label of the total they split. */
const SHARES = new Set<string>(COUNTERS.flatMap((spec) => ('binaryShare' in spec ? [spec.binaryShare] : [])));

async function scrape(url: string): Promise<Map<string, Family>> {
  const response = await fetch(`${url.replace(/^ws/, 'http')}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

/** Every listed counter's family, sample by sample, as expected; the mismatches, named. */
function mismatches(families: Map<string, Family>): string[] {
  const wrong: string[] = [];
  for (const spec of COUNTERS) {
    if (!('metric' in spec)) continue;
    for (const [labels, want] of EXPECTED_METRICS[spec.name] ?? []) {
      const got = valueOf(families, spec.metric, labels);
      const ok = want === 'positive' ? got !== undefined && got > 0 : got === want;
      if (!ok) wrong.push(`${spec.metric}${JSON.stringify(labels)}: ${got} (want ${want})`);
    }
  }
  return wrong;
}

/** Connects `CLIENTS` clients, each echoing one text and one binary message; both workers hold some. */
async function echoingClients(url: string): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const c = await client(url);
    c.ws.send('hello');
    c.ws.send(Buffer.from([1, 2, 3]));
    await c.nextMessages(2);
    clients.push(c);
  }
  const health = (await getHealth(url)) as unknown as { workers: Array<{ connections: number }> };
  expect(health.workers.map((w) => w.connections > 0)).toEqual([true, true]);
  return clients;
}

/**
 * Refusals (426, and 503 as asked: reject=503) and protocol errors (an unmasked frame: 1002), each on a new connection
 * (both workers get some).
 */
async function refusalsAndProtocolErrors(port: number): Promise<void> {
  for (let i = 0; i < REFUSED; i++) {
    expect((await rawUpgrade(port, { headers: { 'Sec-WebSocket-Version': '12' } })).status).toBe(426);
  }
  for (let i = 0; i < ASKED; i++) expect((await rawUpgrade(port, { path: '/?reject=503' })).status).toBe(503);
  for (let i = 0; i < BROKEN; i++) {
    const raw = await openRawClient(port);
    defer(() => raw.destroy());
    await raw.sendFrame({ opcode: Opcode.text, payload: 'unmasked', mask: false });
    expect(await raw.nextCloseCode()).toBe(1002);
    await raw.tcpEnd();
  }
}

describe('--workers 2: the counter list', () => {
  it('every listed counter is checked here: by its metric, in the summary, or as a binary share', () => {
    const unchecked = COUNTERS.filter(
      (spec) =>
        !('metric' in spec && EXPECTED_METRICS[spec.name]) &&
        !(spec.name in EXPECTED_SUMMARY) &&
        !SHARES.has(spec.name),
    ).map((spec) => spec.name);
    expect(unchecked).toEqual([]);
  });

  it('the primary sums every listed counter, keeps those of workers that exited, and gives its own gauges', () => {
    /** A snapshot with every total `n`, every count by code `[[1000, n]]`, every gauge 99. */
    const snapshot = (n: number): CounterSnapshot =>
      Object.fromEntries(
        COUNTERS.map((spec) => [spec.name, spec.kind === 'byCode' ? [[1000, n]] : spec.kind === 'gauge' ? 99 : n]),
      ) as unknown as CounterSnapshot;
    const cluster = new ClusterCounters<string>();
    cluster.report('a', snapshot(1));
    cluster.report('b', snapshot(2));
    cluster.exited('a');
    cluster.report('c', snapshot(4));
    cluster.exited('c');
    cluster.report('b', snapshot(8)); // a fresher report replaces the last
    const sum = cluster.sum({ connectionsOpen: 5, uptimeMs: 7 }, 100) as unknown as Record<string, unknown>;
    for (const spec of COUNTERS) {
      const want =
        spec.kind === 'byCode'
          ? [[1000, 13]]
          : spec.kind === 'gauge'
            ? { connectionsOpen: 5, uptimeMs: 7 }[spec.name]
            : spec.name === 'logLinesDropped'
              ? 113
              : 13;
      expect([spec.name, sum[spec.name]]).toEqual([spec.name, want]);
    }
  });

  it('/metrics and the summary add up every listed counter over both workers', async () => {
    const server = await startJsonCli(['--workers', '2', '--h2'], defer);
    const clients = await echoingClients(server.url);
    const h2 = new H2Client(server.url);
    defer(() => h2.destroy());
    for (let i = 0; i < H2; i++) await h2.webSocket('/');
    for (let i = 0; i < RESETS; i++) await expect(h2.webSocket('/?h2-reset')).rejects.toThrow(/rst/);
    await refusalsAndProtocolErrors(portOf(server.url));
    for (const c of clients.slice(0, CLOSED)) await closeClient(c.ws);
    // The other worker's counters reach the primary within a second.
    const families = await pollUntil(
      () => scrape(server.url),
      (f) => mismatches(f).length === 0,
    );
    expect(mismatches(families)).toEqual([]);

    for (const c of clients.slice(CLOSED)) await closeClient(c.ws);
    h2.destroy();
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    const summary = jsonLines(server.stdout()).find((line) => line.event === 'summary');
    for (const [name, want] of Object.entries(EXPECTED_SUMMARY)) {
      const field = COUNTERS.find((spec) => spec.name === name);
      expect(field && 'summary' in field && summary?.[field.summary]).toBe(want);
    }
  });
});
