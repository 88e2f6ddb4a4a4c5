// GET /metrics: the Prometheus text parses line by line, values follow real traffic, --no-metrics turns it off.
import { BIN, runCommand } from '../helpers/processes/cli';
import { upgradeStatus } from '../helpers/clients';
import { Opcode } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { waitUntil } from '../helpers/probe';
import { parsePrometheusText, valueOf, type Family } from '../helpers/prom-text';
import { portOf, rawUpgrade } from '../helpers/wire/raw-http';

const { serve, client, rawClient, cliServer } = perTest();

const httpBase = (wsUrl: string): string => wsUrl.replace(/^ws/, 'http').replace(/^(\w+:\/\/[^/]+).*$/, '$1');

async function scrape(wsUrl: string): Promise<{ families: Map<string, Family>; contentType: string | null }> {
  const response = await fetch(`${httpBase(wsUrl)}/metrics`);
  expect(response.status).toBe(200);
  return { families: parsePrometheusText(await response.text()), contentType: response.headers.get('content-type') };
}

const OURS: Record<string, Family['type']> = {
  ws_echo_connections_open: 'gauge',
  ws_echo_connections_total: 'counter',
  ws_echo_upgrades_refused_total: 'counter',
  ws_echo_upgrades_refused_as_asked_total: 'counter',
  ws_echo_messages_received_total: 'counter',
  ws_echo_received_bytes_total: 'counter',
  ws_echo_messages_echoed_total: 'counter',
  ws_echo_echoed_bytes_total: 'counter',
  ws_echo_closes_total: 'counter',
  ws_echo_protocol_errors_total: 'counter',
  ws_echo_log_lines_dropped_total: 'counter',
  ws_echo_uptime_seconds: 'gauge',
};

describe('GET /metrics', () => {
  it('answers the Prometheus text format: every line parses, every ws-echo metric and the process metrics have HELP and TYPE', async () => {
    const server = await serve();
    const { families, contentType } = await scrape(server.url);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const [name, type] of Object.entries(OURS)) {
      expect(families.get(name)).toMatchObject({ type, help: expect.stringMatching(/\S/) });
    }
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_open_fds',
      'process_start_time_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_version_info',
    ]) {
      expect(families.has(name)).toBe(true);
    }
    expect(valueOf(families, 'ws_echo_connections_total')).toBe(0);
    expect(valueOf(families, 'ws_echo_messages_received_total', { type: 'text' })).toBe(0);
  });

  it('follows traffic: connections, messages and bytes by type, closes by code, refusals by status, protocol errors', async () => {
    const server = await serve();
    const before = (await scrape(server.url)).families;
    const uptimeBefore = valueOf(before, 'ws_echo_uptime_seconds')!;

    const ws = await client(server.url);
    ws.ws.send('hello');
    ws.ws.send('héllo');
    ws.ws.send(Buffer.from([1, 2, 3]));
    await ws.nextMessages(3);
    const open = (await scrape(server.url)).families;
    expect(valueOf(open, 'ws_echo_connections_open')).toBe(1);

    ws.ws.close(4000, 'bye');
    await ws.closed;
    expect((await rawUpgrade(portOf(server.url), { headers: { 'Sec-WebSocket-Version': '12' } })).status).toBe(426);
    const raw = await rawClient();
    await raw.sendFrame({ opcode: Opcode.text, payload: 'unmasked', mask: false });
    expect(await raw.nextCloseCode()).toBe(1002);
    await raw.tcpEnd();
    await waitUntil(() => server.connections() === 0);

    const after = (await scrape(server.url)).families;
    expect(valueOf(after, 'ws_echo_connections_open')).toBe(0);
    expect(valueOf(after, 'ws_echo_connections_total')).toBe(2);
    expect(valueOf(after, 'ws_echo_messages_received_total', { type: 'text' })).toBe(2);
    expect(valueOf(after, 'ws_echo_messages_received_total', { type: 'binary' })).toBe(1);
    expect(valueOf(after, 'ws_echo_received_bytes_total', { type: 'text' })).toBe(5 + 6);
    expect(valueOf(after, 'ws_echo_received_bytes_total', { type: 'binary' })).toBe(3);
    expect(valueOf(after, 'ws_echo_messages_echoed_total', { type: 'text' })).toBe(2);
    expect(valueOf(after, 'ws_echo_messages_echoed_total', { type: 'binary' })).toBe(1);
    expect(valueOf(after, 'ws_echo_echoed_bytes_total', { type: 'text' })).toBe(11);
    expect(valueOf(after, 'ws_echo_echoed_bytes_total', { type: 'binary' })).toBe(3);
    expect(valueOf(after, 'ws_echo_closes_total', { code: '4xxx' })).toBe(1);
    expect(valueOf(after, 'ws_echo_closes_total', { code: '1002' })).toBe(1);
    expect(valueOf(after, 'ws_echo_upgrades_refused_total', { status: '426' })).toBe(1);
    expect(valueOf(after, 'ws_echo_protocol_errors_total')).toBe(1);
    expect(valueOf(after, 'ws_echo_uptime_seconds')).toBeGreaterThan(uptimeBefore);
  });

  it('close codes a client picks add up into bounded series: 1000-1015 each, 3xxx, 4xxx', async () => {
    const server = await serve();
    const codes = [1000, 1001, 3000, 3001, 3999, 4000, 4001, 4002, 4500, 4999];
    for (const code of codes) {
      const ws = await client(server.url);
      ws.ws.close(code);
      await ws.closed;
    }
    await waitUntil(() => server.connections() === 0);
    const { families } = await scrape(server.url);
    const series = families.get('ws_echo_closes_total')?.samples.map((s) => s.labels.code);
    expect(series?.sort()).toEqual(['1000', '1001', '3xxx', '4xxx']);
    expect(valueOf(families, 'ws_echo_closes_total', { code: '3xxx' })).toBe(3);
    expect(valueOf(families, 'ws_echo_closes_total', { code: '4xxx' })).toBe(5);
  });

  it('a refusal the client asked for (reject=503) is counted apart from a real one (the connection limit)', async () => {
    const server = await serve({ maxConnections: 1 });
    expect(await upgradeStatus(`${server.url}?reject=503`)).toBe(503);
    expect(await upgradeStatus(`${server.url}?reject=429`)).toBe(429);
    await client(server.url);
    expect(await upgradeStatus(server.url)).toBe(503);
    const { families } = await scrape(server.url);
    expect(families.get('ws_echo_upgrades_refused_total')?.samples).toEqual([
      expect.objectContaining({ labels: { status: '503' }, value: 1 }),
    ]);
    expect(valueOf(families, 'ws_echo_upgrades_refused_as_asked_total', { status: '5xx' })).toBe(1);
    expect(valueOf(families, 'ws_echo_upgrades_refused_as_asked_total', { status: '4xx' })).toBe(1);
  });

  it('one-shot echoes are counted as cut: bytes echoed are the buffer, not the message', async () => {
    const server = await serve({ mode: 'one-shot', bufferSize: 4 });
    const ws = await client(server.url);
    ws.ws.send(Buffer.alloc(10));
    await ws.closed;
    const { families } = await scrape(server.url);
    expect(valueOf(families, 'ws_echo_received_bytes_total', { type: 'binary' })).toBe(10);
    expect(valueOf(families, 'ws_echo_echoed_bytes_total', { type: 'binary' })).toBe(4);
    expect(valueOf(families, 'ws_echo_closes_total', { code: '1006' })).toBe(1);
  });

  it('HEAD answers the headers only', async () => {
    const server = await serve();
    const response = await fetch(`${httpBase(server.url)}/metrics`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('metrics: false (the API) and --no-metrics (the CLI) answer 404', async () => {
    const server = await serve({ metrics: false });
    const off = await fetch(`${httpBase(server.url)}/metrics`);
    expect(off.status).toBe(404);
    expect(await off.text()).toBe('Metrics are off (--no-metrics).\n');
    const cli = await cliServer(['--no-metrics']);
    expect((await fetch(`${httpBase(cli.url)}/metrics`)).status).toBe(404);
    const on = await cliServer([]);
    expect(
      parsePrometheusText(await (await fetch(`${httpBase(on.url)}/metrics`)).text()).has('ws_echo_connections_total'),
    ).toBe(true);
  });

  it('the metrics option must be a boolean', async () => {
    await expect(serve({ metrics: 'yes' as unknown as boolean })).rejects.toThrow(
      'metrics must be true or false, got "yes"',
    );
  });

  it('prom-client is not loaded until the first scrape', async () => {
    const script = `
      const { startEchoServer } = require(${JSON.stringify(BIN.replace(/bin\/ws-echo$/, 'dist'))});
      const loaded = () => Object.keys(require.cache).some((file) => file.includes('/prom-client/'));
      (async () => {
        const server = await startEchoServer();
        const atStart = loaded();
        await (await fetch(server.url.replace('ws:', 'http:') + '/metrics')).text();
        console.log(JSON.stringify({ atStart, afterScrape: loaded() }));
        await server.close();
      })();`;
    const { stdout } = await runCommand(process.execPath, ['-e', script]);
    expect(JSON.parse(stdout)).toEqual({ atStart: false, afterScrape: true });
  });
});

describe('the strict parser itself', () => {
  it.each([
    ['no final newline', '# TYPE a counter\na 1'],
    ['a sample with no TYPE', 'a 1\n'],
    ['a bad value', '# TYPE a gauge\na one\n'],
    ['a value that is not a whole token', '# TYPE a gauge\na 1.2.3\n'],
    ['an unquoted label', '# TYPE a gauge\na{x=1} 1\n'],
    ['a bad escape', '# TYPE a gauge\na{x="\\t"} 1\n'],
    ['a duplicate series', '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ['a negative counter', '# TYPE a counter\na -1\n'],
    ['a split family', '# TYPE a gauge\n# TYPE b gauge\na 1\n'],
    ['an unknown type', '# TYPE a meter\n'],
    ['a missing space', '# TYPE a gauge\na{}1\n'],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });

  it('accepts labels with escapes, NaN, +Inf and timestamps', () => {
    const families = parsePrometheusText(
      '# HELP a An \\\\ help\n# TYPE a gauge\na{x="q\\"\\n"} NaN\na{x="2"} +Inf 1700000000\n',
    );
    expect(families.get('a')?.samples.map((s) => s.labels.x)).toEqual(['q"\n', '2']);
  });
});
