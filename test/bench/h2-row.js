'use strict';
// The bench's HTTP/2 row (RFC 8441, --h2): one ws-echo --h2 server, the same 64 B text echo as one WebSocket stream,
// ten streams on one HTTP/2 connection, and ten TCP connections (HTTP/1.1 upgrades), all from the same Node load
// generator (h2-load.js), so only the transport differs. The figure is echoes per server CPU-second: what one echo
// costs the server. Throughput is shown too, but the load generator (Node) may be what limits it.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { BIN } = require('./proc.js');
const { summarize } = require('./report.js');

const H2_SERVER = {
  key: 'ws-echo-h2',
  label: 'ws-echo --quiet --h2',
  command: [process.execPath, BIN, '--quiet', '--port', '0', '--h2'],
  listen: 'listening-line',
};

/** The loads of the row, in the order of the table; `tcp10` is what `h2x10` is compared with. */
const H2_LOADS = [
  { key: 'h2x1', label: '1 WebSocket over HTTP/2 (one stream)', transport: 'h2', conns: 1 },
  { key: 'h2x10', label: '10 WebSockets on one HTTP/2 connection', transport: 'h2', conns: 10 },
  { key: 'tcp10', label: '10 WebSockets on 10 TCP connections (HTTP/1.1)', transport: 'tcp', conns: 10 },
];
const INFLIGHT = 16;

/** Runs h2-load.js once (pinned to `cpu` when given); resolves with its JSON. */
function h2Load(args, cpu) {
  const script = [process.execPath, path.join(__dirname, 'h2-load.js'), ...args];
  const command = cpu ? ['taskset', '-c', cpu, ...script] : script;
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch {
        resolve({ errors: [`h2-load.js ended (${code}) without a result: ${out.trim()}`] });
      }
    });
  });
}

/**
 * Runs the row: `rounds` rounds of every load on one fresh `--h2` server (launched by `launch` on `cpus.server`, the
 * load generator on `cpus.loadgen`). Resolves with { loads, runs: { [key]: [results] }, failures }.
 */
async function runH2Row({ launch, cpus, rounds, seconds, warmup, log }) {
  const server = await launch(H2_SERVER, { cpus: cpus.server });
  const port = new URL(server.url).port;
  const runs = Object.fromEntries(H2_LOADS.map((load) => [load.key, []]));
  const failures = [];
  for (let round = 0; round < rounds && failures.length === 0; round++) {
    for (const load of H2_LOADS) {
      const args = ['--port', port, '--transport', load.transport, '--conns', String(load.conns)];
      args.push('--inflight', String(INFLIGHT), '--seconds', String(seconds), '--warmup', String(warmup));
      const result = await h2Load([...args, '--server-pids', server.pids().join(',')], cpus.loadgen);
      if (result.errors?.length) failures.push(`${H2_SERVER.label}, ${load.label}: ${result.errors.join('; ')}`);
      if (!server.alive()) failures.push(`${H2_SERVER.label} crashed during "${load.label}"\n${server.stderr()}`);
      runs[load.key].push(result);
      log(
        `  round ${round + 1} ${load.key.padEnd(6)} ${perCpu(result).toFixed(0).padStart(8)} echoes per server CPU-s`,
      );
    }
  }
  const stopped = await server.stop();
  if (stopped.code !== 0 || stopped.killed) failures.push(`${H2_SERVER.label} did not exit 0 on SIGTERM`);
  return { server: H2_SERVER.label, inflight: INFLIGHT, loads: H2_LOADS, runs, failures };
}

/** Echoes per server CPU-second of one run. */
function perCpu(result) {
  return result.serverCpuSeconds > 0 ? result.echoes / result.serverCpuSeconds : NaN;
}

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

/** The row's Markdown table: medians (min–max) per load, and each against ten TCP connections. */
function printH2Table(h2) {
  const median = (key, of) => summarize(h2.runs[key].map(of));
  const base = median('tcp10', perCpu).median;
  const lines = [
    `\n### HTTP/2 (RFC 8441): ${h2.server}, 64 B text x ${h2.inflight} in flight per WebSocket\n`,
    '| load | echoes per server CPU-second | vs 10 TCP | echoes/s |',
    '|---|---|---|---|',
  ];
  for (const load of h2.loads) {
    const cpu = median(load.key, perCpu);
    const rate = median(load.key, (r) => r.echoes / r.seconds);
    const vs = Number.isFinite(cpu.median) && base > 0 ? `${(cpu.median / base).toFixed(2)}x` : 'n/a';
    lines.push(
      `| ${load.label} | ${int(cpu.median)} (${int(cpu.min)}–${int(cpu.max)}) | ${vs} | ${int(rate.median)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

module.exports = { runH2Row, printH2Table, H2_LOADS };
