'use strict';
// Shared by test/bench and test/soak: where things are, and what /proc says of a process.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
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
  const line = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.split(/\s+/)[0] === name);
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

/** 1234567 -> "1.2 MiB": the server's own formatting (dist/ is built before a bench or soak). */
function formatBytes(bytes) {
  return Number.isFinite(bytes) ? require('../../dist/log/log-format.js').formatBytes(bytes) : '?';
}

module.exports = {
  ROOT,
  BIN,
  serverEnv,
  requireBuild,
  memoryOf,
  resetPeak,
  cpuSecondsOf,
  machineBusySeconds,
  openFileLimit,
  formatBytes,
};
