'use strict';
// The servers `make bench` compares, as a table, and how to start, watch and stop one.
//
// One entry a server. To add one (say `--workers 2`), add a row: the command and its
// arguments, how its URL is found, and optionally `cpus` (the CPUs it may use, a taskset
// list such as '0,1'; by default the server CPU) or `skip` (a check that returns why the
// server cannot be measured here). For example:
//   { key: 'ws-echo-workers-2', label: 'ws-echo --quiet --workers 2', cpus: '0,1',
//     command: [process.execPath, BIN, '--quiet', '--port', '0', '--workers', '2'], listen: 'listening-line' }
// The server's CPU time and memory are summed over its process and all its descendants, so
// a server with worker processes is measured whole.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { ROOT, BIN, serverEnv } = require('./proc.js');

const PLAIN = path.join(__dirname, 'plain-ws-echo.js');
const SEA = path.join(ROOT, 'dist', 'ws-echo');
const LISTENING = /listening on (ws:\/\/\S+)/;

/**
 * The servers, in table order. `baseline` is the one ratios are taken against.
 * listen: 'port-line' (prints its port alone on a line), 'listening-line' (ws-echo's line on
 * stdout), 'log-file' (ws-echo's line in its log file).
 */
const SERVERS = [
  {
    key: 'ws-js',
    label: 'plain ws, no bufferutil',
    command: [process.execPath, PLAIN],
    env: { WS_NO_BUFFER_UTIL: '1' },
    listen: 'port-line',
  },
  {
    key: 'ws',
    label: 'plain ws + bufferutil',
    baseline: true,
    command: [process.execPath, PLAIN],
    listen: 'port-line',
  },
  {
    key: 'ws-corked',
    label: 'plain ws + bufferutil, corked per read (the prototype)',
    command: [process.execPath, PLAIN],
    env: { WS_ECHO_CORK: '1' },
    listen: 'port-line',
  },
  {
    key: 'ws-echo',
    label: 'ws-echo --quiet',
    command: [process.execPath, BIN, '--quiet', '--port', '0'],
    listen: 'listening-line',
  },
  {
    // Two worker processes (and the cluster primary) share both CPUs, the one the load generator
    // is pinned to included: on a 2-core machine this row measures what a second worker gains
    // when it has to share a core with the client, not what 2 cores would give it alone.
    key: 'ws-echo-workers-2',
    label: 'ws-echo --quiet --workers 2 (CPUs 0,1)',
    cpus: '0,1',
    command: [process.execPath, BIN, '--quiet', '--port', '0', '--workers', '2'],
    listen: 'listening-line',
  },
  {
    key: 'ws-echo-logs',
    label: 'ws-echo, logs to a file',
    command: [process.execPath, BIN, '--port', '0', '--no-color'],
    listen: 'log-file',
  },
  {
    key: 'ws-echo-metrics',
    label: 'ws-echo --quiet, GET /metrics every second',
    command: [process.execPath, BIN, '--quiet', '--port', '0'],
    listen: 'listening-line',
    scrape: '/metrics',
    skip: async (server) => {
      const { status, body } = await httpGet(server.url, '/metrics');
      if (status === 200 && /^# (HELP|TYPE) /m.test(body)) return undefined;
      return `this build has no /metrics endpoint (GET /metrics answered ${status}${status === 200 ? ' without Prometheus text' : ''})`;
    },
  },
  {
    key: 'sea',
    label: 'single executable --quiet',
    command: [SEA, '--quiet', '--port', '0'],
    listen: 'listening-line',
    skip: async () => (fs.existsSync(SEA) ? undefined : 'dist/ws-echo is missing: run `make binary`'),
  },
];

const PEERS_DIR = path.join(ROOT, 'node_modules', '.cache', 'ws-echo-bench', 'peers');
const builtBy = (file) => async () =>
  fs.existsSync(file) ? undefined : `${path.relative(ROOT, file)} is missing: run \`make bench-peers\``;

/**
 * The servers people would pick instead (`make bench-peers`): a ten-line echo each, built or fetched by the Makefile.
 */
const PEERS = [
  {
    key: 'bun',
    label: 'Bun.serve (uWebSockets)',
    command: [path.join(PEERS_DIR, 'bun'), path.join(__dirname, 'peers', 'bun-echo.js')],
    listen: 'port-line',
    skip: builtBy(path.join(PEERS_DIR, 'bun')),
  },
  {
    key: 'gorilla',
    label: 'Go gorilla/websocket',
    command: [path.join(PEERS_DIR, 'gorilla-echo')],
    listen: 'port-line',
    skip: builtBy(path.join(PEERS_DIR, 'gorilla-echo')),
  },
];

/** GET `pathname` from a ws:// server over HTTP; resolves with { status, body } (status 0 on a network error). */
function httpGet(wsUrl, pathname) {
  const url = new URL(pathname, wsUrl.replace(/^ws/, 'http'));
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** The pid and every descendant's pid of a process (from /proc/<pid>/stat's ppid). */
function processTree(rootPid) {
  const parents = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/**
 * Starts a server from its table entry on `cpus` (a taskset list such as "1"), with the
 * open-file limit raised to the hard limit (so 5,000 idle connections fit). Resolves with
 * { def, pid, url, exited, pids(), alive(), stderr(), stop() }; `exited` resolves with
 * { code, signal } (the bench and the soak both start their servers here).
 */
async function launch(def, { cpus, logDir }) {
  const [command, ...args] = def.command;
  const onCpus = def.cpus ?? cpus; // a row may ask for more CPUs, e.g. '0,1' for two workers
  const pinned = onCpus ? ['taskset', '-c', onCpus, command, ...args] : [command, ...args];
  let stdout = 'pipe';
  let logFile;
  if (def.listen === 'log-file') {
    logFile = path.join(logDir ?? os.tmpdir(), `${def.key}-${process.pid}.log`);
    fs.writeFileSync(logFile, '');
    stdout = fs.openSync(logFile, 'a'); // appending: emptied between runs (truncateLog), so it never grows large
  }
  // sh raises the soft open-file limit, then execs taskset, which execs the server: the pid stays.
  const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...pinned], {
    cwd: ROOT,
    env: { ...serverEnv(), ...def.env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') fs.closeSync(stdout);
  let out = '';
  let err = '';
  let exitInfo;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exitInfo = { code, signal }))));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
  child.stdout?.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  const findUrl = () => {
    if (def.listen === 'port-line') {
      const port = out.match(/^(\d+)\n/)?.[1];
      return port && `ws://127.0.0.1:${port}`;
    }
    const text = def.listen === 'log-file' ? fs.readFileSync(logFile, 'utf8') : out;
    return text.match(LISTENING)?.[1];
  };
  const deadline = Date.now() + 15_000;
  let url;
  while (!(url = findUrl())) {
    if (exitInfo) throw new Error(`${def.label} exited (${exitInfo.code ?? exitInfo.signal}) before listening\n${err}`);
    if (Date.now() > deadline) throw new Error(`${def.label}: no listening line after 15 s\n${err}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    def,
    pid: child.pid,
    url,
    exited,
    pids: () => processTree(child.pid),
    alive: () => exitInfo === undefined,
    stderr: () => err,
    /** Empties the log file (opened for appending by nobody but the server, which writes at its end). */
    truncateLog() {
      if (logFile) fs.truncateSync(logFile, 0);
    },
    /** SIGTERM, SIGKILL after `graceMs`; resolves with { code, signal, killed }. */
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
      if (logFile) fs.rmSync(logFile, { force: true });
      return { ...info, killed };
    },
  };
}

module.exports = { SERVERS, PEERS, launch, httpGet, processTree, LISTENING };
