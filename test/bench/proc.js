'use strict';
// Shared by test/bench and test/soak: start servers as child processes, read /proc.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'ws-echo');

/** The environment the servers get: no colors, no PORT/HOST from the caller. */
function serverEnv() {
  const env = { ...process.env };
  for (const name of ['FORCE_COLOR', 'NO_COLOR', 'PORT', 'HOST']) delete env[name];
  return env;
}

/** Fails early with a useful message when `make build` has not run. */
function requireBuild() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'main.js'))) {
    process.stderr.write('dist/main.js is missing: run `make build` first\n');
    process.exit(2);
  }
}

/** Fields of /proc/<pid>/status in bytes: rss (VmRSS) and peak (VmHWM). */
function memoryOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number((status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm')) || [])[1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Resets VmHWM to the current RSS (Linux clear_refs "5"); false if not allowed. */
function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

let clockTicks;
/** CPU seconds (user + system) a process has used so far. */
function cpuSecondsOf(pid) {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0; utime is field 14 and stime 15.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** CPU seconds all processes have used so far, on one CPU (`cpu`) or all of them (from /proc/stat). */
function machineBusySeconds(cpu) {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const name = cpu === undefined ? 'cpu' : `cpu${cpu}`;
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.split(/\s+/)[0] === name);
  if (!line) return NaN;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return (user + nice + system + irq + softirq + steal) / clockTicks;
}

/** The soft limit on open files of this process (as `ulimit -n` reports it). */
function openFileLimit(pid = 'self') {
  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  const soft = (limits.match(/^Max open files\s+(\S+)/m) || [])[1];
  return soft === 'unlimited' ? Infinity : Number(soft);
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port, timeoutMs, alive) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error('server exited before listening');
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts a server child. `kind` is 'plain' (test/bench/plain-ws-echo.js), 'ws-echo'
 * (bin/ws-echo --quiet --port 0) or 'ws-echo-logs' (bin/ws-echo with its logs on and
 * stdout to /dev/null). Resolves with { name, child, pid, url, exited, stderr(), stop() }.
 */
async function startServer(kind, extraArgs = [], { cpu } = {}) {
  let args;
  let stdout = 'pipe';
  let knownPort;
  if (kind === 'plain') {
    args = [path.join(__dirname, 'plain-ws-echo.js')];
  } else if (kind === 'ws-echo') {
    args = [BIN, '--quiet', '--port', '0', ...extraArgs];
  } else if (kind === 'ws-echo-logs') {
    knownPort = await freePort(); // its stdout goes to /dev/null, so the port is chosen here
    args = [BIN, '--port', String(knownPort), '--no-color', ...extraArgs];
    stdout = fs.openSync('/dev/null', 'w');
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  // With `cpu`, taskset pins the server (all its threads) to that CPU; taskset execs node, so the pid stays.
  const [command, commandArgs] = cpu === undefined ? [process.execPath, args] : ['taskset', ['-c', String(cpu), process.execPath, ...args]];
  const child = spawn(command, commandArgs, { cwd: ROOT, env: serverEnv(), stdio: ['ignore', stdout, 'pipe'] });
  if (typeof stdout === 'number') fs.closeSync(stdout);
  let out = '';
  let err = '';
  let exitInfo;
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    }),
  );
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
  let url;
  if (knownPort !== undefined) {
    await waitForPort(knownPort, 10_000, () => exitInfo === undefined);
    url = `ws://127.0.0.1:${knownPort}`;
  } else {
    child.stdout.setEncoding('utf8');
    url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind}: no listening line after 10 s\nstdout: ${out}\nstderr: ${err}`)), 10_000);
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = kind === 'plain' ? out.match(/^(\d+)\n/) : out.match(/listening on (ws:\/\/\S+)/);
        if (match) {
          clearTimeout(timer);
          resolve(kind === 'plain' ? `ws://127.0.0.1:${match[1]}` : match[1]);
        }
      });
      exited.then(({ code, signal }) => reject(new Error(`${kind} exited (${code ?? signal}) before listening\nstderr: ${err}`)));
    });
  }
  return {
    kind,
    child,
    pid: child.pid,
    url,
    exited,
    alive: () => exitInfo === undefined,
    exitInfo: () => exitInfo,
    stdout: () => out,
    stderr: () => err,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves with { code, signal, killed }. */
    async stop(graceMs = 5000) {
      if (exitInfo) return { ...exitInfo, killed: false };
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, graceMs);
      const info = await exited;
      clearTimeout(timer);
      return { ...info, killed };
    },
  };
}

/** 1234567 -> "1.2 MiB": the server's own formatting (dist/ is built before a bench or soak). */
function formatBytes(bytes) {
  return Number.isFinite(bytes) ? require('../../dist/log/log-format').formatBytes(bytes) : '?';
}

module.exports = { ROOT, BIN, serverEnv, requireBuild, memoryOf, resetPeak, cpuSecondsOf, machineBusySeconds, openFileLimit, freePort, startServer, formatBytes };
