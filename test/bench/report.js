'use strict';
// Turns what `make bench` measured (the JSON it writes) into Markdown tables: ratios, spread, which side saturated.
//
// Also usable on its own: node test/bench/report.js test-results/bench.json

/** Share of a core above which a side counts as saturated. */
const SATURATED = 0.9;

/** { n, min, median, max } of numbers (NaN-free). */
function summarize(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n, min: NaN, median: NaN, max: NaN };
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { n, min: sorted[0], median, max: sorted[n - 1] };
}

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const num = (n) => (!Number.isFinite(n) ? 'n/a' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (value, base) =>
  Number.isFinite(value) && Number.isFinite(base) && base > 0 ? `${(value / base).toFixed(2)}x` : 'n/a';
const spread = (s, format) => `${format(s.median)} (${format(s.min)}–${format(s.max)})`;

/** Per load and server: summaries of msg/s, MB/s, echoes per server CPU-second, each side's CPU share, latency. */
function figures(runs) {
  const ok = runs.filter((r) => !r.errors?.length && r.seconds > 0);
  const of = (f) => summarize(ok.map(f));
  return {
    msgPerSec: of((r) => r.msgPerSec),
    mbPerSec: of((r) => r.mbPerSec),
    echoesPerServerCpuSecond: of((r) => (r.serverCpuSeconds > 0 ? r.messages / r.serverCpuSeconds : NaN)),
    serverCpu: of((r) => r.serverCpuSeconds / r.seconds),
    loadgenCpu: of((r) => r.clientCpuSeconds / r.seconds),
    otherCpu: of((r) => r.otherCpuShare),
    p50: of((r) => r.latencyUs?.p50),
    p99: of((r) => r.latencyUs?.p99),
  };
}

/** Which side had its core busy: 'server', 'load generator', 'both' or 'neither'. */
function saturated(f) {
  const server = f.serverCpu.median >= SATURATED;
  const client = f.loadgenCpu.median >= SATURATED;
  return server && client ? 'both' : server ? 'server' : client ? 'load generator' : 'neither';
}

/** The Markdown for a bench result (as run.js writes it to JSON). */
function printTables(result) {
  const active = result.servers.filter((s) => !s.skipped);
  const base = active.find((s) => s.baseline);
  const throughput = result.loads.filter((l) => !l.latency);
  const latency = result.loads.find((l) => l.latency);
  const fig = {};
  for (const load of result.loads) {
    fig[load.key] = {};
    for (const s of active) fig[load.key][s.key] = figures(result.runs[load.key]?.[s.key] ?? []);
  }
  const idle = Object.fromEntries(
    active.map((s) => [s.key, summarize((result.idle[s.key] ?? []).map((r) => r.bytesPerConn))]),
  );
  const out = [];
  const m = result.machine;
  out.push(
    `Measured ${result.date.slice(0, 10)} with \`make ${result.peers ? 'bench-peers' : 'bench'}${result.quick ? '-quick' : ''}\` on ${m.cpus} x ${m.model}, Node ${m.node}, ws ${m.ws}, bufferutil ${m.bufferutil}, loopback;` +
      (result.pinning.server
        ? ` servers pinned to CPU ${result.pinning.server}, the load generator (test/bench/loadgen/) to CPU ${result.pinning.loadgen};`
        : ' not pinned;') +
      ` ${result.rounds} rounds of ${result.seconds} s per cell, servers interleaved; medians, spread as (min–max).` +
      ` Ratios: against ${base?.label ?? 'the baseline'} in the same run (throughput: above 1.00x is faster; latency and memory: above 1.00x is more).`,
  );
  out.push('');
  // Two ratios per throughput load: msg/s (what a client sees) and echoes per server CPU-second
  // (what the server's code costs; it holds when other processes take CPU from the server).
  const heads = [
    ...throughput.map((l) => `${l.label.replace(/ in flight/, '')}: msg/s, per CPU-s`),
    ...(latency ? ['ping-pong p50', 'ping-pong p99'] : []),
  ];
  const hasIdle = active.some((s) => idle[s.key].n > 0);
  if (hasIdle) heads.push(`memory per idle connection (${result.idleConnections})`);
  out.push(`| server | ${heads.join(' | ')} |`);
  out.push(`|---|${heads.map(() => '---:').join('|')}|`);
  for (const s of active) {
    const cells = throughput.map((l) => {
      const [f, b] = [fig[l.key][s.key], fig[l.key][base.key]];
      return `${ratio(f.msgPerSec.median, b.msgPerSec.median)}, ${ratio(f.echoesPerServerCpuSecond.median, b.echoesPerServerCpuSecond.median)}`;
    });
    if (latency)
      cells.push(
        ratio(fig[latency.key][s.key].p50.median, fig[latency.key][base.key].p50.median),
        ratio(fig[latency.key][s.key].p99.median, fig[latency.key][base.key].p99.median),
      );
    if (hasIdle) cells.push(ratio(idle[s.key].median, idle[base.key].median));
    out.push(`| ${s.label} | ${cells.join(' | ')} |`);
  }
  const others = summarize(
    result.loads.flatMap((l) => active.flatMap((s) => (result.runs[l.key]?.[s.key] ?? []).map((r) => r.otherCpuShare))),
  );
  out.push('');
  out.push(
    `Other processes on the machine used ${Math.round(others.median * 100)}% of one core during the median run (${Math.round(others.min * 100)}–${Math.round(others.max * 100)}%):` +
      ' above a few percent, msg/s says more about the machine than about the server, and echoes per server CPU-second is the figure to compare.',
  );
  out.push('');
  out.push(
    "Per load: echoes per second, payload MB/s (10^6 bytes), echoes per server CPU-second (the server's CPU time from /proc, all its processes), each side's share of its core," +
      ` what other processes on the machine took meanwhile (of one core; noise), and which side saturated (over ${SATURATED * 100}% of its core). Ratios: median against median, best against best, and echoes per server CPU-second median against median.`,
  );
  out.push('');
  out.push(
    '| load | server | msg/s | MB/s | echoes per server CPU-s | server CPU | load gen CPU | other processes | saturated | msg/s ratio | best/best | per CPU-s ratio |',
  );
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|');
  const pct = (n) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : 'n/a');
  for (const load of result.loads) {
    for (const s of active) {
      const f = fig[load.key][s.key];
      const b = fig[load.key][base.key];
      out.push(
        `| ${load.label} | ${s.label} | ${spread(f.msgPerSec, int)} | ${num(f.mbPerSec.median)} | ${int(f.echoesPerServerCpuSecond.median)} | ${pct(f.serverCpu.median)} | ${pct(f.loadgenCpu.median)} | ${pct(f.otherCpu.median)} | ${saturated(f)} | ${ratio(f.msgPerSec.median, b.msgPerSec.median)} | ${ratio(f.msgPerSec.max, b.msgPerSec.max)} | ${ratio(f.echoesPerServerCpuSecond.median, b.echoesPerServerCpuSecond.median)} |`,
      );
    }
  }
  if (latency) {
    out.push('');
    out.push(
      `Latency, ${latency.label} (µs from sending a message to its whole echo, per run; median of runs, spread as (min–max)):`,
    );
    out.push('');
    out.push('| server | p50 µs | p99 µs | p50 ratio | p99 ratio |');
    out.push('|---|---:|---:|---:|---:|');
    for (const s of active) {
      const f = fig[latency.key][s.key];
      const b = fig[latency.key][base.key];
      out.push(
        `| ${s.label} | ${spread(f.p50, num)} | ${spread(f.p99, num)} | ${ratio(f.p50.median, b.p50.median)} | ${ratio(f.p99.median, b.p99.median)} |`,
      );
    }
  }
  if (hasIdle) {
    out.push('');
    out.push(
      `Memory per idle connection: server RSS after opening ${result.idleConnections} connections (each echoed one 16 B message) less RSS before, per connection, on a fresh server:`,
    );
    out.push('');
    out.push('| server | KiB per connection | ratio |');
    out.push('|---|---:|---:|');
    for (const s of active)
      out.push(
        `| ${s.label} | ${spread(idle[s.key], (v) => (v / 1024).toFixed(1))} | ${ratio(idle[s.key].median, idle[base.key].median)} |`,
      );
  }
  if (result.startup.some((c) => c.ms.length)) {
    out.push('');
    out.push('Start-up, from spawning the command to its listening line on stdout (ms):');
    out.push('');
    out.push('| command | median (min–max) |');
    out.push('|---|---:|');
    for (const c of result.startup)
      if (c.ms.length) out.push(`| ${c.label} | ${spread(summarize(c.ms), (v) => v.toFixed(0))} |`);
  }
  const skipped = result.servers.filter((s) => s.skipped);
  if (skipped.length) {
    out.push('');
    for (const s of skipped) out.push(`Not measured: ${s.label}: ${s.skipped}.`);
  }
  out.push('');
  out.push(
    `(${result.durationSeconds.toFixed(0)} s in all${result.failures.length ? `; ${result.failures.length} FAILURES, see the JSON` : '; every echo checked'}.)`,
  );
  return `${out.join('\n')}\n`;
}

module.exports = { summarize, figures, saturated, printTables };

if (require.main === module) {
  const file = process.argv[2] || require('node:path').join(__dirname, '..', '..', 'test-results', 'bench.json');
  process.stdout.write(printTables(JSON.parse(require('node:fs').readFileSync(file, 'utf8'))));
}
