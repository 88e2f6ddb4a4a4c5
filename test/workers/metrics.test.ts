// /metrics with --workers: every scrape, whichever worker answers it, counts all workers (the CLI as a child, real ws
// clients).
import http from 'node:http';
import { closeClient, type TestClient } from '../helpers/clients';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil } from '../helpers/probe';
import { parsePrometheusText, valueOf, type Family } from '../helpers/prom-text';
import { portOf } from '../helpers/wire/raw-http';

const { client, cliServer } = perTest();

/** One scrape on a new TCP connection (no keep-alive, so the kernel's round-robin picks the worker each time). */
function scrape(url: string): Promise<Map<string, Family>> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: portOf(url), path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(parsePrometheusText(body)) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
  });
}

/** The `worker` label of the process metrics in a scrape. */
function workerLabel(families: Map<string, Family>): string | undefined {
  return families.get('process_cpu_user_seconds_total')?.samples[0]?.labels.worker;
}

describe('--workers 2: GET /metrics counts every worker', () => {
  it("several scrapes in a row add up both workers' connections and messages and never go down", async () => {
    const server = await cliServer(['--workers', '2']);
    const clients: TestClient[] = [];
    for (let i = 0; i < 10; i++) clients.push(await client(server.url));
    for (const c of clients) {
      c.ws.send(Buffer.from('bin'));
      await c.nextMessages(1);
    }
    const health = (await getHealth(server.url)) as unknown as { workers: Array<{ connections: number }> };
    for (const worker of health.workers) expect(worker.connections).toBeGreaterThan(0); // both workers hold some

    const series: number[][] = [];
    const read = async (): Promise<Map<string, Family>> => {
      const families = await scrape(server.url);
      series.push([
        valueOf(families, 'ws_echo_connections_total') ?? -1,
        valueOf(families, 'ws_echo_messages_echoed_total', { type: 'binary' }) ?? -1,
        valueOf(families, 'ws_echo_echoed_bytes_total', { type: 'binary' }) ?? -1,
      ]);
      return families;
    };
    // The other worker's counters reach the primary within a second.
    await pollUntil(read, (f) => valueOf(f, 'ws_echo_messages_echoed_total', { type: 'binary' }) === 10);
    const labels = new Set<string | undefined>();
    for (let i = 0; i < 8; i++) {
      const families = await read();
      expect(valueOf(families, 'ws_echo_connections_total')).toBe(10);
      expect(valueOf(families, 'ws_echo_connections_open')).toBe(10);
      expect(valueOf(families, 'ws_echo_messages_echoed_total', { type: 'binary' })).toBe(10);
      expect(valueOf(families, 'ws_echo_echoed_bytes_total', { type: 'binary' })).toBe(30);
      labels.add(workerLabel(families));
    }
    // Round-robin handed the eight scrapes to both workers; each labels its own process metrics.
    expect([...labels].sort()).toEqual(['1', '2']);

    // Closes on both workers add up too.
    for (const c of clients.slice(0, 4)) await closeClient(c.ws);
    const after = await pollUntil(read, (f) => valueOf(f, 'ws_echo_closes_total', { code: '1000' }) === 4);
    expect(valueOf(after, 'ws_echo_closes_total', { code: '1000' })).toBe(4);
    expect(valueOf(after, 'ws_echo_connections_total')).toBe(10);

    for (let i = 1; i < series.length; i++) {
      for (let k = 0; k < 3; k++) expect(series[i][k]).toBeGreaterThanOrEqual(series[i - 1][k]);
    }
  });

  it("a worker killed with SIGKILL: its clients' connections count as closed 1006, and closes add up to connections", async () => {
    const server = await cliServer(['--workers', '2']);
    const clients: TestClient[] = [];
    for (let i = 0; i < 8; i++) clients.push(await client(server.url));
    // Both workers' reports hold all eight before one of them dies.
    await pollUntil(
      () => scrape(server.url),
      (f) => valueOf(f, 'ws_echo_connections_total') === 8,
    );
    const { workers } = (await getHealth(server.url)) as unknown as {
      workers: Array<{ pid: number; connections: number }>;
    };
    const victim = workers.find((w) => w.connections > 0)!;
    process.kill(victim.pid, 'SIGKILL');
    const cut = await pollUntil(
      () => clients.filter((c) => c.ws.readyState === c.ws.CLOSED).length,
      (n) => n === victim.connections,
    );
    expect(cut).toBe(victim.connections);
    const closes = (f: Map<string, Family>): number =>
      f.get('ws_echo_closes_total')?.samples.reduce((sum, s) => sum + s.value, 0) ?? 0;
    const after = await pollUntil(
      () => scrape(server.url),
      (f) => valueOf(f, 'ws_echo_closes_total', { code: '1006' }) === victim.connections,
    );
    expect(valueOf(after, 'ws_echo_closes_total', { code: '1006' })).toBe(victim.connections);
    expect(closes(after)).toBe(8 - valueOf(after, 'ws_echo_connections_open')!);
  });
});
