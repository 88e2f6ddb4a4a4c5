'use strict';
// `make bench` (about 4 minutes) and `make bench-quick` (under one): every server of the table
// in servers.js against the same loads from the native load generator (loadgen/), in one run.
//
// Servers run pinned to one CPU and the load generator to another, so each side's CPU seconds
// (from /proc) say which one saturated. Each load runs on every server once per round, the
// order rotating between rounds; tables give the median of the rounds with the spread
// (min-max), and ratios against the baseline (a plain `ws` echo with bufferutil) compare
// medians, with best against best beside them. Loads:
//   64 B text, 1 and 50 connections x 16 in flight; 16 KiB binary, 10 x 4; 1 MiB binary,
//   1 x 2; ping-pong 64 B (1 x 1) for latency p50/p99; memory per idle connection at 5,000
//   connections (a fresh server each); time from start to the listening line; and the HTTP/2 row (h2-row.js):
//   64 B text over one RFC 8441 stream, ten streams on one connection, ten TCP connections, per server CPU-second.
// Every echo is checked by the load generator (opcode, length, content, order, clean close).
// Performance is reported, never asserted: the exit code is 1 only when an echo was wrong, a
// server crashed, or a server did not exit 0 on SIGTERM.
//
// Environment: BENCH_QUICK=1 (fewer, shorter rounds), BENCH_PEERS=1 (Bun and Go too), BENCH_ROUNDS, BENCH_SECONDS
// (measured
// seconds per run), BENCH_SERVERS and BENCH_LOADS (regexps on the keys; the baseline always
// runs; 'idle', 'startup' and 'h2' are load keys too), BENCH_LOADGEN (the
// load generator binary), BENCH_OUT (the JSON file). Progress goes to stderr, the Markdown
// tables to stdout, everything measured to the JSON file.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, BIN, requireBuild, cpuSecondsOf, machineBusySeconds } = require('./proc.js');
const { SERVERS, PEERS, launch, httpGet, LISTENING } = require('./servers.js');
const { summarize, printTables } = require('./report.js');
const { runH2Row, printH2Table } = require('./h2-row.js');

const QUICK = Boolean(process.env.BENCH_QUICK);
const ROUNDS = Number(process.env.BENCH_ROUNDS || (QUICK ? 2 : 5));
const SECONDS = Number(process.env.BENCH_SECONDS || (QUICK ? 0.25 : 0.8));
const WARMUP = QUICK ? 0.1 : 0.25;
const IDLE_CONNECTIONS = QUICK ? 1000 : 5000;
const IDLE_ROUNDS = QUICK ? 1 : 2;
const IDLE_SETTLE_MS = QUICK ? 500 : 1000;
const STARTUP_RUNS = QUICK ? 3 : 10;
const LOADGEN = process.env.BENCH_LOADGEN || path.join(ROOT, 'node_modules', '.cache', 'ws-echo-bench', 'loadgen');
const PEERS_TOO = Boolean(process.env.BENCH_PEERS);
const OUT =
  process.env.BENCH_OUT ||
  path.join(ROOT, 'test-results', `bench${PEERS_TOO ? '-peers' : ''}${QUICK ? '-quick' : ''}.json`);

/** Loads with throughput figures; `latency` marks the one whose percentiles are reported. */
const LOADS = [
  { key: 'text64-1x16', label: '64 B text, 1 conn x 16 in flight', conns: 1, inflight: 16, size: 64 },
  { key: 'text64-50x16', label: '64 B text, 50 conns x 16 in flight', conns: 50, inflight: 16, size: 64 },
  {
    key: 'bin16k-10x4',
    label: '16 KiB binary, 10 conns x 4 in flight',
    conns: 10,
    inflight: 4,
    size: 16384,
    binary: true,
  },
  { key: 'bin1m-1x2', label: '1 MiB binary, 1 conn x 2 in flight', conns: 1, inflight: 2, size: 1048576, binary: true },
  { key: 'pingpong64', label: 'ping-pong 64 B text, 1 conn x 1', conns: 1, inflight: 1, size: 64, latency: true },
].filter((load) => wanted(load.key));

/** BENCH_LOADS=<regexp> keeps the loads whose key matches; 'idle', 'startup' and 'h2' are keys too. */
function wanted(key) {
  return !process.env.BENCH_LOADS || new RegExp(process.env.BENCH_LOADS).test(key);
}

const servers = [...SERVERS, ...(PEERS_TOO ? PEERS : [])].filter(
  (def) => def.baseline || !process.env.BENCH_SERVERS || new RegExp(process.env.BENCH_SERVERS).test(def.key),
);
const log = (line) => process.stderr.write(`${line}\n`);

/** CPUs for the servers and the load generator: different ones when the machine has two and taskset exists. */
function cpuPlan() {
  const hasTaskset =
    require('node:child_process').spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  if (os.cpus().length >= 2 && hasTaskset) return { server: '1', loadgen: '0' };
  return { server: undefined, loadgen: undefined };
}
const CPUS = cpuPlan();

/** CPU seconds of these processes so far (0 for any that is gone). */
function cpuOf(pids) {
  return pids.reduce((sum, pid) => {
    try {
      return sum + cpuSecondsOf(pid);
    } catch {
      return sum;
    }
  }, 0);
}

/** Runs the load generator once; resolves with its JSON (errors included) or a failure of its own. */
function loadgen(args) {
  const command = CPUS.loadgen ? ['taskset', '-c', CPUS.loadgen, LOADGEN, ...args] : [LOADGEN, ...args];
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch {
        resolve({
          errors: [`load generator ended (${code ?? signal}) without a result: ${err.trim() || out.trim()}`],
          errorCount: 1,
        });
      }
    });
  });
}

/** One load on one running server; a GET /metrics a second meanwhile if the server's entry asks for it. */
async function runLoad(server, load) {
  const args = [
    '--port',
    new URL(server.url).port,
    '--mode',
    'echo',
    '--conns',
    String(load.conns),
    '--inflight',
    String(load.inflight),
  ];
  args.push(
    '--size',
    String(load.size),
    '--seconds',
    String(SECONDS),
    '--warmup',
    String(WARMUP),
    '--server-pids',
    server.pids().join(','),
  );
  if (load.binary) args.push('--binary');
  const scrapes = [];
  const scraper = server.def.scrape && setInterval(() => scrapes.push(httpGet(server.url, server.def.scrape)), 1000);
  const pids = server.pids();
  const before = { busy: machineBusySeconds(), server: cpuOf(pids), at: process.hrtime.bigint() };
  const result = await loadgen(args);
  if (scraper) clearInterval(scraper);
  // What other processes took of the machine meanwhile: the noise this run had to live with.
  const wall = Number(process.hrtime.bigint() - before.at) / 1e9;
  const others = machineBusySeconds() - before.busy - (cpuOf(pids) - before.server) - (result.clientCpuTotal ?? 0);
  result.otherCpuShare = Math.max(0, others / wall);
  const answers = await Promise.all(scrapes);
  if (answers.some((a) => a.status !== 200)) result.errors.push(`a GET ${server.def.scrape} failed during the run`);
  server.truncateLog();
  return result;
}

/** Milliseconds from spawning `command` to the listening line on its stdout, then SIGTERM. */
function timeToListening(command) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command[0], command.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    let ms;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      if (ms === undefined && LISTENING.test(out)) {
        ms = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill('SIGTERM');
      }
    });
    child.on('close', () =>
      ms === undefined ? reject(new Error(`${command.join(' ')} printed no listening line: ${out}`)) : resolve(ms),
    );
  });
}

const STARTUP_COMMANDS = [
  {
    key: 'node-http',
    label: 'node, an empty HTTP server (for reference)',
    command: [
      process.execPath,
      '-e',
      "require('http').createServer().listen(0,'127.0.0.1',function(){console.log('listening on ws://127.0.0.1:'+this.address().port)})",
    ],
  },
  {
    key: 'node-bin',
    label: 'node bin/ws-echo --quiet --port 0',
    command: [process.execPath, BIN, '--quiet', '--port', '0'],
  },
  {
    key: 'sea',
    label: 'dist/ws-echo --quiet --port 0 (single executable)',
    command: [path.join(ROOT, 'dist', 'ws-echo'), '--quiet', '--port', '0'],
  },
];

async function main() {
  requireBuild();
  if (!fs.existsSync(LOADGEN)) {
    log(`bench: ${LOADGEN} is missing: run \`make bench\` (it builds the load generator with cc)`);
    process.exit(2);
  }
  const started = Date.now();
  const failures = [];
  const skipped = {};
  log(
    `bench${QUICK ? ' (quick)' : ''}: ${LOADS.length} loads x ${servers.length} servers x ${ROUNDS} rounds of ${SECONDS} s` +
      (CPUS.server ? `; servers on CPU ${CPUS.server}, load generator on CPU ${CPUS.loadgen}` : '; not pinned'),
  );

  // Throughput and latency: all servers up at once, loads interleaved.
  const running = [];
  for (const def of servers) {
    const server = await launch(def, { cpus: CPUS.server });
    const reason = def.skip && (await def.skip(server));
    if (reason) {
      skipped[def.key] = reason;
      log(`  ${def.label}: skipped: ${reason}`);
      await server.stop();
      continue;
    }
    log(`  ${def.label.padEnd(44)} pid ${server.pid} ${server.url}`);
    running.push(server);
  }
  const runs = {}; // runs[load.key][server.key] = [loadgen results]
  for (const load of LOADS) runs[load.key] = Object.fromEntries(running.map((s) => [s.def.key, []]));
  for (let round = 0; round < ROUNDS && failures.length === 0; round++) {
    for (const [li, load] of LOADS.entries()) {
      const shift = (round + li) % running.length;
      for (const server of [...running.slice(shift), ...running.slice(0, shift)]) {
        const result = await runLoad(server, load);
        if (!server.alive()) failures.push(`${server.def.label} crashed during "${load.label}"\n${server.stderr()}`);
        if (result.errors?.length) failures.push(`${server.def.label}, ${load.label}: ${result.errors.join('; ')}`);
        runs[load.key][server.def.key].push(result);
        const cpu = (s) => (result.seconds > 0 ? `${Math.round((s / result.seconds) * 100)}%` : '?');
        log(
          `  round ${round + 1} ${load.key.padEnd(13)} ${server.def.key.padEnd(16)} ${Math.round(result.msgPerSec ?? 0)
            .toLocaleString('en-US')
            .padStart(9)} msg/s` +
            `  server ${cpu(result.serverCpuSeconds)} CPU, load gen ${cpu(result.clientCpuSeconds)}` +
            `, others ${Math.round((result.otherCpuShare ?? 0) * 100)}%` +
            (load.latency ? `  p50 ${result.latencyUs?.p50} us, p99 ${result.latencyUs?.p99} us` : '') +
            (result.errors?.length ? `  FAILED: ${result.errors[0]}` : ''),
        );
        if (failures.length) break;
      }
    }
  }
  for (const server of running) {
    const stopped = await server.stop();
    if (stopped.code !== 0 || stopped.killed)
      failures.push(
        `${server.def.label} did not exit 0 on SIGTERM (${stopped.code ?? stopped.signal})\n${server.stderr()}`,
      );
  }

  // Memory per idle connection: a fresh server each time, so earlier loads' heap does not count.
  const idle = Object.fromEntries(running.map((s) => [s.def.key, []]));
  for (let round = 0; round < (wanted('idle') ? IDLE_ROUNDS : 0) && failures.length === 0; round++) {
    for (const { def } of running) {
      const server = await launch(def, { cpus: CPUS.server });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const result = await loadgen([
        '--port',
        new URL(server.url).port,
        '--mode',
        'idle',
        '--conns',
        String(IDLE_CONNECTIONS),
        '--settle-ms',
        String(IDLE_SETTLE_MS),
        '--server-pids',
        server.pids().join(','),
      ]);
      if (result.errors?.length)
        failures.push(`${def.label}, ${IDLE_CONNECTIONS} idle connections: ${result.errors.join('; ')}`);
      idle[def.key].push(result);
      log(
        `  idle ${IDLE_CONNECTIONS} ${def.key.padEnd(16)} ${((result.bytesPerConn ?? NaN) / 1024).toFixed(1)} KiB per connection`,
      );
      await server.stop();
    }
  }

  // Start-up: the commands in turn, each STARTUP_RUNS times.
  const startup = Object.fromEntries(STARTUP_COMMANDS.map((c) => [c.key, []]));
  const startupCommands = STARTUP_COMMANDS.filter((c) => wanted('startup') && fs.existsSync(c.command[0]));
  for (let run = 0; run <= STARTUP_RUNS; run++) {
    for (const c of startupCommands) {
      const ms = await timeToListening(c.command);
      if (run > 0) startup[c.key].push(ms); // the first is a warm-up (page cache)
    }
  }
  if (startupCommands.length)
    log(
      `  start-up medians: ${startupCommands.map((c) => `${c.key} ${summarize(startup[c.key]).median.toFixed(0)} ms`).join(', ')}`,
    );

  // HTTP/2: its own server and load generator (h2-load.js), the same rounds.
  let h2;
  if (wanted('h2') && failures.length === 0) {
    h2 = await runH2Row({ launch, cpus: CPUS, rounds: ROUNDS, seconds: SECONDS, warmup: WARMUP, log });
    failures.push(...h2.failures);
  }

  const result = {
    date: new Date().toISOString(),
    quick: QUICK,
    peers: PEERS_TOO,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model.trim(),
      node: process.version,
      ws: require('ws/package.json').version,
      bufferutil: require('bufferutil/package.json').version,
    },
    pinning: CPUS,
    rounds: ROUNDS,
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    idleConnections: IDLE_CONNECTIONS,
    servers: servers.map((def) => ({
      key: def.key,
      label: def.label,
      baseline: Boolean(def.baseline),
      skipped: skipped[def.key],
    })),
    loads: LOADS,
    runs,
    idle,
    startup: STARTUP_COMMANDS.map((c) => ({ key: c.key, label: c.label, ms: startup[c.key] })),
    h2,
    failures,
    durationSeconds: (Date.now() - started) / 1000,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(result, null, 1)}\n`);
  process.stdout.write(printTables(result));
  if (h2) process.stdout.write(printH2Table(h2));
  if (failures.length > 0) {
    log(`\nbench FAILED:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    log(
      `\nbench done in ${result.durationSeconds.toFixed(0)} s; every echo checked; results in ${path.relative(ROOT, OUT)}`,
    );
  }
}

main().catch((error) => {
  log(`bench: ${error.stack || error.message}`);
  process.exit(1);
});
