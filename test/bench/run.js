'use strict';
// `make bench`: ws-echo against a plain `ws` echo server, measured in the same run.
//
// Three servers run as their own child processes for the whole run:
//   plain ws          test/bench/plain-ws-echo.js
//   ws-echo           bin/ws-echo --quiet --port 0
//   ws-echo (logs)    bin/ws-echo with its logs on, stdout to /dev/null
// and one load-generator child (test/bench/load.js) drives one of them at a time: 1 and
// 32 clients doing request/response, and 1 client keeping many messages in flight, for
// 32 B, 16 KiB and 1 MiB messages; every echo is checked (binary, byte-identical, in
// order) and every client ends with a clean close.
// Every workload runs BENCH_REPS times per server, in an order that rotates between
// servers and rounds; the tables keep the best run of each. Workloads whose runs were
// disturbed by other processes, or whose ratio is far from 1, get extra rounds while the
// time budget lasts. Performance is reported, never asserted: the exit code is non-zero
// only when an echo is wrong, a client is closed unexpectedly, or a server crashes or
// does not exit 0 on SIGTERM.
//
// Environment: BENCH_SECONDS (measured seconds per run, default 1.2), BENCH_REPS (3),
// BENCH_WARMUP_MS (300), BENCH_BUDGET_SECONDS (170), BENCH_PIN (same | split | none, see
// below), BENCH_CASES (a regexp on workload labels). Progress and per-run details go to
// stderr; the result tables (Markdown, ready for the README) to stdout.
const { fork } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const { requireBuild, startServer, memoryOf, resetPeak, formatBytes } = require('./proc');

const SECONDS = Number(process.env.BENCH_SECONDS || 1.2);
const REPS = Math.max(1, Math.floor(Number(process.env.BENCH_REPS || 3)));
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS || 300);
const JOB_TIMEOUT_MS = 60_000;
/** Extra rounds stop once the whole run would pass this many seconds. */
const BUDGET_SECONDS = Number(process.env.BENCH_BUDGET_SECONDS || 170);
const MAX_EXTRA_ROUNDS = 3;
/** A ws-echo / plain ws ratio further than this from 1.00x earns the workload extra rounds. */
const SUSPICIOUS_RATIO = 0.08;
/** A run during which other processes used more than this share of a core is "noisy". */
const NOISY_OTHER_CPU = 0.25;
/**
 * Where the processes run. BENCH_PIN=same (default on 2+ CPUs): the servers and the load
 * generator share CPU 0, leaving the other CPUs to the rest of the machine; a server's
 * extra cost per message then shows in msg/s instead of hiding behind a saturated load
 * generator, and runs do not depend on where the scheduler happens to put the processes
 * (one core vs. two changed 1-client request/response throughput by 2x here).
 * BENCH_PIN=split: servers on CPU 1, load generator on CPU 0. BENCH_PIN=none: no pinning.
 */
const PIN_MODE = ['same', 'split', 'none'].includes(process.env.BENCH_PIN) ? process.env.BENCH_PIN : 'same';
const PIN = PIN_MODE !== 'none' && os.cpus().length >= 2 && hasTaskset();
const SERVER_CPU = PIN_MODE === 'split' ? 1 : 0;
const LOAD_CPU = 0;
/** The CPU whose other users count as noise (undefined: the whole machine). */
const NOISE_CPU = PIN && PIN_MODE === 'same' ? 0 : undefined;

/** Whether ws (in every process here) masks frames with bufferutil's native code or in JavaScript. */
function bufferutilState() {
  if (process.env.WS_NO_BUFFER_UTIL) return 'bufferutil turned off by WS_NO_BUFFER_UTIL';
  try {
    return `bufferutil ${require('bufferutil/package.json').version}`;
  } catch {
    return 'no bufferutil';
  }
}

function hasTaskset() {
  try {
    require('node:child_process').execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SERVERS = [
  { kind: 'plain', label: 'plain ws' },
  { kind: 'ws-echo', label: 'ws-echo --quiet' },
  { kind: 'ws-echo-logs', label: 'ws-echo, logs on' },
];
const SIZES = [32, 16 * 1024, 1024 * 1024];
const PIPE_BUDGET = 4 * 1024 * 1024; // bytes in flight in the pipelined case
const WORKLOADS = [
  { name: 'request/response, 1 client', pattern: 'rr', clients: 1 },
  { name: 'request/response, 32 clients', pattern: 'rr', clients: 32 },
  { name: 'pipelined, 1 client', pattern: 'pipe', clients: 1 },
];
const ALL_CASES = SIZES.flatMap((size) =>
  WORKLOADS.map((w) => ({ ...w, size, window: w.pattern === 'pipe' ? Math.max(2, Math.min(256, Math.floor(PIPE_BUDGET / size))) : 1 })),
);

const log = (line) => process.stderr.write(`${line}\n`);

const sizeLabel = (size) => (size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : size >= 1024 ? `${size / 1024} KiB` : `${size} B`);
const caseLabel = (c) => `${c.name}${c.pattern === 'pipe' ? ` (${c.window} in flight)` : ''}, ${sizeLabel(c.size)}`;
/** BENCH_CASES=<regexp> keeps only the workloads whose label matches, e.g. "pipelined.*MiB". */
const CASES = ALL_CASES.filter((c) => !process.env.BENCH_CASES || new RegExp(process.env.BENCH_CASES, 'i').test(caseLabel(c)));
const int = (n) => Math.round(n).toLocaleString('en-US');
const mbps = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** The load generator child and a promise-per-job channel to it. */
function startLoad(cpu) {
  const pin = cpu === undefined ? {} : { execPath: 'taskset', execArgv: ['-c', String(cpu), process.execPath] };
  const child = fork(path.join(__dirname, 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...pin });
  const waiting = new Map();
  let nextId = 0;
  let exited = false;
  child.on('message', (message) => {
    const resolve = waiting.get(message.id);
    waiting.delete(message.id);
    resolve?.(message.result);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    waiting.forEach((resolve) => resolve({ errors: [`load generator exited (${code ?? signal})`] }));
    waiting.clear();
  });
  return {
    run(job) {
      if (exited) return Promise.resolve({ errors: ['load generator is gone'] });
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve({ errors: [`job timed out after ${JOB_TIMEOUT_MS / 1000} s`] });
        }, JOB_TIMEOUT_MS);
        waiting.set(id, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        child.send({ type: 'job', id, job });
      });
    },
    stop() {
      if (!exited) child.disconnect();
    },
  };
}

async function main() {
  requireBuild();
  const started = Date.now();
  const failures = [];
  log(
    `bench: ${CASES.length} workloads x ${SERVERS.length} servers x ${REPS} runs of ${SECONDS} s (+${WARMUP_MS} ms warm-up)` +
      (PIN ? `; servers pinned to CPU ${SERVER_CPU}, load generator to CPU ${LOAD_CPU}` : '; not pinned to CPUs'),
  );

  const servers = [];
  for (const spec of SERVERS) {
    const server = await startServer(spec.kind, [], { cpu: PIN ? SERVER_CPU : undefined });
    server.label = spec.label;
    server.idle = memoryOf(server.pid).rss;
    server.exited.then((info) => {
      if (!server.stopping) failures.push(`${spec.label} exited during the bench (${info.code ?? info.signal})\n${server.stderr()}`);
    });
    servers.push(server);
    log(`  ${spec.label.padEnd(17)} pid ${server.pid}  ${server.url}  idle RSS ${formatBytes(server.idle)}`);
  }
  const canResetPeak = servers.every((s) => resetPeak(s.pid));
  const load = startLoad(PIN ? LOAD_CPU : undefined);

  // best[caseIndex][serverIndex]: the best of its runs (throughput: highest; CPU per message: lowest).
  const best = CASES.map(() =>
    servers.map(() => ({ msgPerSec: 0, mbPerSec: 0, cpuPerMsg: Infinity, firstRoundPeak: 0, peak: 0, runs: 0, quietRuns: 0, bestWasNoisy: false })),
  );
  const otherLoad = []; // share of a core other processes used during each run
  let run = 0;
  let runSeconds = 0; // wall time of all runs so far, to budget extra rounds

  /** Runs case `ci` once on every server, in an order that rotates with `round`. */
  async function runOnEveryServer(ci, round) {
    const c = CASES[ci];
    const rotation = (round + ci) % servers.length;
    for (const si of servers.map((_, i) => (i + rotation) % servers.length)) {
      const server = servers[si];
      if (failures.length > 0) return;
      if (canResetPeak) resetPeak(server.pid);
      const began = Date.now();
      const result = await load.run({
        url: server.url,
        clients: c.clients,
        size: c.size,
        pattern: c.pattern,
        window: c.window,
        warmupMs: WARMUP_MS,
        durationMs: SECONDS * 1000,
        serverPid: server.pid,
        noiseCpu: NOISE_CPU,
      });
      runSeconds += (Date.now() - began) / 1000;
      run++;
      if (!server.alive()) {
        failures.push(`${server.label} crashed during "${caseLabel(c)}"\n${server.stderr()}`);
        return;
      }
      const peak = memoryOf(server.pid).peak;
      if (result.errors.length > 0) {
        failures.push(`${server.label}, ${caseLabel(c)}:\n    ${result.errors.join('\n    ')}`);
        log(`  [${run}] ${server.label}, ${caseLabel(c)}: FAILED: ${result.errors[0]}`);
        continue;
      }
      const msgPerSec = result.messages / result.seconds;
      const mbPerSec = result.bytes / result.seconds / 1e6;
      const cpuPerMsg = result.messages > 0 ? (result.serverCpuSeconds / result.messages) * 1e6 : Infinity;
      const other = result.otherCpuSeconds / result.seconds;
      const noisy = other > NOISY_OTHER_CPU;
      otherLoad.push(other);
      const b = best[ci][si];
      b.runs++;
      if (!noisy) b.quietRuns++;
      if (msgPerSec > b.msgPerSec) {
        b.msgPerSec = msgPerSec;
        b.mbPerSec = mbPerSec;
        b.bestWasNoisy = noisy;
      }
      b.cpuPerMsg = Math.min(b.cpuPerMsg, cpuPerMsg);
      if (round === 0) b.firstRoundPeak = Math.max(b.firstRoundPeak, peak);
      b.peak = Math.max(b.peak, peak);
      log(
        `  [${String(run).padStart(2)}] round ${round + 1} ${caseLabel(c).padEnd(56)} ${server.label.padEnd(17)}` +
          ` ${int(msgPerSec).padStart(8)} msg/s ${mbps(mbPerSec).padStart(6)} MB/s` +
          `  server ${Math.round((result.serverCpuSeconds / result.seconds) * 100)}% CPU, ${cpuPerMsg.toFixed(1)} µs/msg;` +
          ` load gen ${Math.round((result.clientCpuSeconds / result.seconds) * 100)}% CPU;` +
          ` other processes ${Math.round(other * 100)}% CPU${noisy ? ' (noisy)' : ''}`,
      );
    }
  }

  for (let round = 0; round < REPS && failures.length === 0; round++) {
    for (let ci = 0; ci < CASES.length && failures.length === 0; ci++) await runOnEveryServer(ci, round);
  }
  // Extra rounds, within the time budget: first for workloads where some server never had a
  // run free of other processes' load, then for those whose ws-echo / plain ws ratio is
  // far from 1, so that one unlucky run does not decide it.
  const perRun = runSeconds / Math.max(1, run);
  const extra = CASES.map(() => 0);
  const needsMore = [
    (i) => best[i].some((b) => b.quietRuns === 0),
    (i) => Math.abs(Math.log(best[i][1].msgPerSec / best[i][0].msgPerSec)) > Math.log(1 + SUSPICIOUS_RATIO),
  ];
  for (;;) {
    if (failures.length > 0) break;
    let ci = -1;
    for (const test of needsMore) {
      ci = CASES.findIndex((_, i) => extra[i] < MAX_EXTRA_ROUNDS && test(i));
      if (ci >= 0) break;
    }
    if (ci < 0) break;
    if ((Date.now() - started) / 1000 + perRun * servers.length * 1.2 > BUDGET_SECONDS) {
      log(`  (time budget of ${BUDGET_SECONDS} s reached; no more extra rounds)`);
      break;
    }
    await runOnEveryServer(ci, REPS + extra[ci]);
    extra[ci]++;
  }
  load.stop();

  // Peak over the whole run, then a clean stop: ws-echo must exit 0 on SIGTERM.
  const memory = servers.map((s) => (s.alive() ? memoryOf(s.pid) : { rss: NaN, peak: NaN }));
  for (const server of servers) {
    server.stopping = true;
    const stopped = await server.stop();
    if (server.kind !== 'plain' && (stopped.code !== 0 || stopped.killed)) {
      failures.push(`${server.label} did not exit 0 on SIGTERM (code ${stopped.code}, signal ${stopped.signal}${stopped.killed ? ', had to be killed' : ''})\n${server.stderr()}`);
    }
    if (/unexpected failure|Error/.test(server.stderr())) failures.push(`${server.label} wrote to stderr:\n${server.stderr()}`);
  }

  printTables(servers, best, memory, canResetPeak, (Date.now() - started) / 1000, otherLoad);
  if (failures.length > 0) {
    log(`\nbench FAILED:\n  ${[...new Set(failures)].join('\n  ')}`);
    process.exitCode = 1;
  } else {
    log(`\nbench done in ${((Date.now() - started) / 1000).toFixed(0)} s; every echo checked, all servers stopped cleanly`);
  }
}

function printTables(servers, best, memory, perCasePeak, seconds, otherLoad) {
  const out = [];
  const ratio = (value, base) => (base > 0 && Number.isFinite(value) && value > 0 ? `${(value / base).toFixed(2)}x` : 'n/a');
  let anyNoisy = false;
  const cell = (b) => {
    if (b.runs === 0) return 'failed';
    anyNoisy ||= b.bestWasNoisy;
    return `${int(b.msgPerSec)} msg/s, ${mbps(b.mbPerSec)} MB/s${b.bestWasNoisy ? ' †' : ''}`;
  };
  const workload = (c) => `${c.name}${c.pattern === 'pipe' ? ` (${c.window} in flight)` : ''}`;
  const cpus = os.cpus();
  const rounds = best.map((row) => Math.min(...row.map((b) => b.runs)));
  out.push(
    `Measured ${new Date().toISOString().slice(0, 10)} with \`make bench\` on ${cpus.length} x ${cpus[0]?.model.trim() ?? 'CPU'},` +
      ` Node ${process.version}, ws ${require('ws/package.json').version} (${bufferutilState()}), loopback.` +
      ` Each server and the load generator are separate processes${PIN ? `${SERVER_CPU === LOAD_CPU ? `, all pinned to CPU ${LOAD_CPU}` : ` (servers pinned to CPU ${SERVER_CPU}, load generator to CPU ${LOAD_CPU})`}` : ''};` +
      ` best of ${Math.min(...rounds)}${Math.max(...rounds) > Math.min(...rounds) ? `-${Math.max(...rounds)}` : ''} runs of ${SECONDS} s per cell, servers interleaved.` +
      ` MB/s counts echoed payload (1 MB = 10^6 bytes); ratio = ws-echo / plain ws (above 1.00x: ws-echo faster). Every echo was checked byte for byte.`,
  );
  out.push('');
  out.push('| workload | size | plain ws | ws-echo --quiet | ratio | ws-echo, logs on | ratio |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  CASES.forEach((c, ci) => {
    const [plain, quiet, logs] = best[ci];
    out.push(
      `| ${workload(c)} | ${sizeLabel(c.size)} | ${cell(plain)} | ${cell(quiet)} | ${ratio(quiet.msgPerSec, plain.msgPerSec)} | ${cell(logs)} | ${ratio(logs.msgPerSec, plain.msgPerSec)} |`,
    );
  });
  if (anyNoisy) {
    out.push('', `† other processes used more than ${NOISY_OTHER_CPU * 100}% of ${NOISE_CPU === undefined ? 'a core' : `CPU ${NOISE_CPU}`} during this cell's best run.`);
  }
  out.push('');
  out.push(
    'Server CPU time per echoed message (µs, lower is better; ratio = ws-echo / plain ws, above 1.00x: ws-echo costlier).' +
      ' This shows server overhead even where the load generator, not the server, limits throughput:',
  );
  out.push('');
  out.push('| workload | size | plain ws | ws-echo --quiet | ratio | ws-echo, logs on | ratio |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  const us = (b) => (Number.isFinite(b.cpuPerMsg) ? (b.cpuPerMsg >= 100 ? b.cpuPerMsg.toFixed(0) : b.cpuPerMsg.toFixed(1)) : 'n/a');
  CASES.forEach((c, ci) => {
    const [plain, quiet, logs] = best[ci];
    out.push(
      `| ${workload(c)} | ${sizeLabel(c.size)} | ${us(plain)} | ${us(quiet)} | ${ratio(quiet.cpuPerMsg, plain.cpuPerMsg)} | ${us(logs)} | ${ratio(logs.cpuPerMsg, plain.cpuPerMsg)} |`,
    );
  });
  out.push('');
  out.push('Server memory (resident set from /proc/<pid>/status; peak = VmHWM):');
  out.push('');
  const sizeColumns = perCasePeak ? SIZES.map((size) => `peak after ${sizeLabel(size)} (1st round)`) : [];
  out.push(`| server | idle RSS | ${sizeColumns.map((h) => `${h} | `).join('')}peak RSS, whole run | RSS at end |`);
  out.push(`|---|---:|${sizeColumns.map(() => '---:|').join('')}---:|---:|`);
  servers.forEach((server, si) => {
    // Sizes run in increasing order in the first round, so these show growth with message size.
    const perSize = perCasePeak
      ? SIZES.map((size) => formatBytes(Math.max(...CASES.map((c, ci) => (c.size <= size ? best[ci][si].firstRoundPeak : 0)))))
      : [];
    const peak = Math.max(memory[si].peak, ...best.map((row) => row[si].peak));
    out.push(`| ${server.label} | ${formatBytes(server.idle)} | ${perSize.map((v) => `${v} | `).join('')}${formatBytes(peak)} | ${formatBytes(memory[si].rss)} |`);
  });
  out.push('');
  const sorted = [...otherLoad].sort((a, b) => a - b);
  const pct = (q) => (sorted.length ? `${Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100)}%` : 'n/a');
  out.push(
    `(${otherLoad.length} runs, ${seconds.toFixed(0)} s in all. CPU used by other processes` +
      `${NOISE_CPU === undefined ? ' on the machine' : ` on CPU ${NOISE_CPU}`} during the runs: median ${pct(0.5)}, max ${pct(1)} of one core.)`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error) => {
  log(`bench: ${error.stack || error.message}`);
  process.exit(1);
});
