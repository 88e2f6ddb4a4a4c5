'use strict';
// `make soak`: a bounded soak of ws-echo (graceful mode, its own child process).
//
// SOAK_CLIENTS clients (default 300, fewer if the open-file limit is low) echo messages
// of mixed sizes (0 B to 256 KiB, a few up to 2 MiB) and types (text with 2-, 3- and
// 4-byte UTF-8 characters, binary; some sent in fragments; pings in between), each with a
// few messages in flight, and check every echo: same type, byte-identical, in order.
// Every message starts with its client slot and sequence number, so a failure says what
// was lost or reordered.
//
// Timeline (SOAK_SECONDS, default 60): the first quarter steady; the middle half adds
// churn every 250 ms (sockets destroyed abruptly, some in the middle of a frame or between
// the fragments of a 2 MiB message; clean closes with 1000 or a 4xxx code while echoes are in flight; clients
// that stop reading for a while), and every client that goes is reconnected; the last
// quarter steady again. Then clients finish their echoes and close cleanly (all but a few,
// which stay connected), /healthz must count exactly those, and SIGTERM must close them
// with 1001 and end the server with exit code 0. The server's RSS is sampled every second.
//
// Exit code 1 on any lost, corrupted, reordered or type-changed echo, an unexpected close
// code or client error, a server crash, or a server that does not stop cleanly.
const crypto = require('node:crypto');
const http = require('node:http');
const WebSocket = require('ws');
const { requireBuild, memoryOf, openFileLimit, formatBytes } = require('../bench/proc.js');
const { SERVERS, launch } = require('../bench/servers.js');

const SECONDS = Number(process.env.SOAK_SECONDS || 60);
const WANTED_CLIENTS = Math.max(1, Math.floor(Number(process.env.SOAK_CLIENTS || 300)));
const KIB = 1024;
const MIB = 1024 * KIB;
const MAX_MESSAGE = 2 * MIB;
const IDLE_AT_SHUTDOWN = 10; // clients still connected when the server gets SIGTERM
const CHURN_EVERY_MS = 250;
const DRAIN_TIMEOUT_MS = 30_000;

const log = (line) => process.stderr.write(`${line}\n`);
const int = (n) => Math.round(n).toLocaleString('en-US');
const rand = (n) => Math.floor(Math.random() * n);
const between = (lo, hi) => lo + rand(hi - lo + 1);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- payloads ----------------------------------------------------------------------

/** Random bytes that binary messages are cut from. */
const BINARY_POOL = crypto.randomBytes(MAX_MESSAGE + 64 * KIB);
/** UTF-8 text with 1- to 4-byte characters that text messages are cut from. */
const TEXT_POOL = (() => {
  const alphabet = [
    ...'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?"\'{}[]<>\\/\t\n',
    ...'éèçàüößñЖжДλΩ', // 2 bytes
    ...'€中文日本語✓☃ह', // 3 bytes
    ...['😀', '🎉', '𝄞', '🚀', '𐍈'], // 4 bytes (surrogate pairs in JS)
  ];
  const parts = [];
  let bytes = 0;
  while (bytes < MAX_MESSAGE + 64 * KIB) {
    const char = alphabet[rand(alphabet.length)];
    parts.push(char);
    bytes += Buffer.byteLength(char);
  }
  return Buffer.from(parts.join(''), 'utf8');
})();
const isContinuation = (byte) => (byte & 0xc0) === 0x80;

/** A message size: mostly small, some medium, a few large, rarely up to 2 MiB. */
function pickSize() {
  const roll = Math.random();
  if (roll < 0.05) return 0;
  if (roll < 0.6) return between(1, KIB);
  if (roll < 0.85) return between(KIB, 16 * KIB);
  if (roll < 0.985) return between(16 * KIB, 256 * KIB);
  return between(256 * KIB, MAX_MESSAGE);
}

/**
 * The bytes of message `seq` of `slot`: a header "<slot>:<seq>|" (when it fits) and then
 * random bytes (binary) or whole UTF-8 characters (text), about `size` bytes in all.
 */
function makePayload(slot, seq, size, isBinary) {
  if (size === 0) return Buffer.alloc(0);
  const header = Buffer.from(`${slot}:${seq}|`, 'latin1');
  const headerLength = header.length <= size ? header.length : 0;
  const bodyLength = size - headerLength;
  let body;
  if (isBinary) {
    const start = rand(BINARY_POOL.length - bodyLength);
    body = BINARY_POOL.subarray(start, start + bodyLength);
  } else {
    let start = rand(TEXT_POOL.length - bodyLength - 8);
    while (isContinuation(TEXT_POOL[start])) start++;
    let end = start + bodyLength;
    while (end > start && isContinuation(TEXT_POOL[end])) end--; // whole characters only
    body = TEXT_POOL.subarray(start, end);
  }
  const data = Buffer.allocUnsafe(headerLength + body.length);
  if (headerLength) header.copy(data, 0);
  body.copy(data, headerLength);
  return data;
}

/** "3:17|..." -> "slot 3 #17", for error messages. */
function describe(data) {
  const match = /^(\d+):(\d+)\|/.exec(data.subarray(0, 24).toString('latin1'));
  return match ? `slot ${match[1]} #${match[2]}` : `${data.length} bytes without header`;
}

// ---- totals ------------------------------------------------------------------------

const totals = {
  messages: 0,
  bytes: 0,
  text: 0,
  binary: 0,
  empty: 0,
  fragmented: 0,
  largest: 0,
  pings: 0,
  pongs: 0,
  connects: 0,
  reconnects: 0,
  abandoned: 0, // echoes never awaited because their client was killed on purpose
  kills: { destroy: 0, 'mid-frame': 0, 'mid-message': 0 },
  closes: { 1000: 0, '4xxx': 0 },
  stalls: 0,
  bursts: 0,
  shutdownCloses: 0, // idle clients the server's SIGTERM shutdown closed with 1001
  errors: 0,
};
const errorLines = [];
function fail(message) {
  totals.errors++;
  if (errorLines.length < 40) errorLines.push(message);
  if (totals.errors <= 10) log(`  ERROR: ${message}`);
}

// ---- clients -----------------------------------------------------------------------

let url;
let phase = 'starting'; // starting | steady | churn | finishing | shutdown
const slots = [];

class Slot {
  constructor(index) {
    this.index = index;
    this.ws = undefined;
    this.generation = 0;
    this.seq = 0; // next sequence number to send (per slot, across reconnects)
    this.queue = []; // echoes expected, oldest first: { data, isBinary }
    this.skipped = []; // expected echoes that a later one overtook
    this.window = between(1, 4);
    this.ending = undefined; // why this connection is going: { kind, code }
    this.pings = 0;
    this.pongs = 0;
    this.sending = true;
    this.opened = undefined; // resolves when open
    this.closed = undefined; // resolves with { code, reason } when closed
  }

  get open() {
    return this.ws !== undefined && this.ws.readyState === WebSocket.OPEN && this.ending === undefined;
  }

  connect() {
    const generation = ++this.generation;
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 4 * MIB });
    this.ws = ws;
    this.queue = [];
    this.skipped = [];
    this.ending = undefined;
    this.pings = 0;
    this.pongs = 0;
    this.sending = true;
    totals.connects++;
    const label = () => `slot ${this.index} (connection ${generation})`;
    this.opened = new Promise((resolve) => {
      ws.once('open', () => {
        resolve(true);
        this.pump();
      });
      ws.once('unexpected-response', (_req, res) => {
        fail(`${label()}: upgrade refused with HTTP ${res.statusCode}`);
        resolve(false);
      });
      ws.once('close', () => resolve(false)); // never opened (or already gone)
    });
    ws.on('message', (data, isBinary) => this.onEcho(data, isBinary, label));
    ws.on('pong', () => {
      this.pongs++;
      totals.pongs++;
    });
    ws.on('error', (error) => {
      if (this.ending?.kind === 'kill') return; // our own destroy
      fail(`${label()}: client error: ${error.message}`);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reasonBuffer) => {
        this.onClose(code, reasonBuffer.toString(), label);
        resolve({ code, reason: reasonBuffer.toString() });
      }),
    );
  }

  onEcho(data, isBinary, label) {
    const expected = this.queue[0];
    if (expected && data.equals(expected.data)) {
      this.queue.shift();
      if (isBinary !== expected.isBinary) {
        fail(
          `${label()}: ${describe(data)} was sent as ${expected.isBinary ? 'binary' : 'text'}, echoed as ${isBinary ? 'binary' : 'text'}`,
        );
      } else {
        totals.messages++;
        totals.bytes += data.length;
        if (isBinary) totals.binary++;
        else totals.text++;
        if (data.length === 0) totals.empty++;
        if (data.length > totals.largest) totals.largest = data.length;
      }
    } else {
      // Out of line: a later message (those before it are skipped: lost or late), one
      // skipped earlier (reordered), or bytes that match nothing sent (corrupted).
      const later = this.queue.findIndex((entry, i) => i > 0 && entry.data.equals(data));
      const late = this.skipped.findIndex((entry) => entry.data.equals(data));
      if (later > 0) {
        const skipped = this.queue.splice(0, later);
        this.queue.shift();
        this.skipped.push(...skipped);
        fail(
          `${label()}: ${describe(data)} arrived while ${skipped.length} earlier echoes had not (first: ${describe(skipped[0].data)}): lost or reordered`,
        );
      } else if (late >= 0) {
        const [entry] = this.skipped.splice(late, 1);
        fail(`${label()}: ${describe(entry.data)} arrived after later echoes: reordered`);
      } else if (expected) {
        this.queue.shift();
        const what =
          data.length !== expected.data.length
            ? `${data.length} bytes instead of ${expected.data.length}`
            : 'same length, different bytes';
        fail(
          `${label()}: expected the echo of ${describe(expected.data)} (${expected.isBinary ? 'binary' : 'text'}), got ${describe(data)} (${isBinary ? 'binary' : 'text'}, ${what}): corrupted`,
        );
      } else {
        fail(`${label()}: an echo nobody sent (${describe(data)}, ${data.length} bytes)`);
      }
    }
    this.pump();
    if (this.queue.length === 0) this.onIdle?.();
  }

  /** Echoes skipped by a later one that never turned up: lost. Called when the connection ends. */
  reportLost(label) {
    if (this.skipped.length > 0)
      fail(`${label()}: ${this.skipped.length} echoes never arrived (first: ${describe(this.skipped[0].data)}): lost`);
    this.skipped = [];
  }

  onClose(code, reason, label) {
    const ending = this.ending;
    if (ending?.kind !== 'kill') this.reportLost(label);
    if (!ending) {
      fail(`${label()}: unexpected close ${code} ${JSON.stringify(reason)} with ${this.queue.length} echoes in flight`);
    } else if (ending.kind === 'kill') {
      totals.abandoned += this.queue.length;
      if (code !== 1006) fail(`${label()}: killed, yet closed with ${code} instead of 1006`);
    } else if (ending.kind === 'close') {
      if (code !== ending.code)
        fail(`${label()}: closed with ${ending.code}, server answered ${code} ${JSON.stringify(reason)}`);
      if (this.queue.length > 0)
        fail(
          `${label()}: ${this.queue.length} echoes still missing when the close handshake finished (first: ${describe(this.queue[0].data)})`,
        );
      if (this.pongs !== this.pings) fail(`${label()}: ${this.pings} pings, ${this.pongs} pongs at a clean close`);
    } else if (ending.kind === 'shutdown') {
      if (code !== 1001)
        fail(`${label()}: the server's shutdown closed it with ${code} ${JSON.stringify(reason)} instead of 1001`);
      else totals.shutdownCloses++;
    }
    this.onIdle?.();
    if (ending?.reconnectAfter !== undefined && (phase === 'steady' || phase === 'churn')) {
      setTimeout(() => {
        if (phase === 'steady' || phase === 'churn') {
          totals.reconnects++;
          this.connect();
        }
      }, ending.reconnectAfter);
    }
  }

  /** Sends until `window` echoes are in flight. */
  pump() {
    while (this.sending && this.open && this.queue.length < this.window) this.sendOne();
  }

  sendOne() {
    const isBinary = Math.random() < 0.5;
    const size = pickSize();
    const data = makePayload(this.index, this.seq++, size, isBinary);
    this.queue.push({ data, isBinary });
    if (size >= 2 && Math.random() < 0.05) {
      // In fragments: ws sends a continuation frame per call, fin on the last.
      totals.fragmented++;
      const cuts = [0, ...[rand(size), rand(size)].sort((a, b) => a - b), size];
      for (let i = 0; i < cuts.length - 1; i++) {
        this.ws.send(data.subarray(cuts[i], cuts[i + 1]), { binary: isBinary, fin: i === cuts.length - 2 });
      }
    } else {
      this.ws.send(data, { binary: isBinary });
    }
    if (Math.random() < 0.02) {
      this.pings++;
      totals.pings++;
      this.ws.ping(Buffer.from(String(this.pings)));
    }
  }

  /** Resolves once every echo in flight has arrived (or the connection is gone). */
  drained(timeoutMs) {
    if (this.queue.length === 0 || !this.ws || this.ws.readyState !== WebSocket.OPEN)
      return Promise.resolve(this.queue.length === 0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok) => {
        clearTimeout(timer);
        this.onIdle = undefined;
        resolve(ok);
      };
      this.onIdle = () => {
        if (this.queue.length === 0) done(true);
        else if (this.ws.readyState !== WebSocket.OPEN) done(false);
      };
    });
  }

  // ---- disruptions ----

  /** Destroys the TCP socket with no close frame, echoes in flight. */
  killDestroy() {
    totals.kills.destroy++;
    this.ending = { kind: 'kill', reconnectAfter: between(10, 300) };
    this.ws._socket.destroy();
  }

  /** Writes the start of a frame that announces more than it sends, then destroys the socket. */
  killMidFrame() {
    totals.kills['mid-frame']++;
    this.ending = { kind: 'kill', reconnectAfter: between(10, 300) };
    const announced = between(1000, 300 * KIB);
    const header = Buffer.alloc(14);
    header[0] = Math.random() < 0.5 ? 0x82 : 0x81; // FIN + binary / text
    header[1] = 0x80 | 127; // masked, 64-bit length
    header.writeBigUInt64BE(BigInt(announced), 2);
    crypto.randomFillSync(header, 10, 4); // masking key
    const partial = Buffer.concat([header, BINARY_POOL.subarray(0, rand(announced))]);
    const socket = this.ws._socket;
    // ws writes whole frames, so this starts at a frame boundary; destroy once it is sent.
    socket.write(partial, () => socket.destroy());
    setTimeout(() => socket.destroy(), 2000).unref(); // in case the write never completes
  }

  /** Sends the first 1 MiB fragment of a 2 MiB message, then destroys the socket once it is out. */
  killMidMessage() {
    totals.kills['mid-message']++;
    this.ending = { kind: 'kill', reconnectAfter: between(10, 300) };
    const ws = this.ws;
    ws.send(BINARY_POOL.subarray(0, MIB), { binary: Math.random() < 0.5, fin: false }, () => ws.terminate());
    setTimeout(() => ws.terminate(), 2000).unref(); // in case the write never completes
  }

  /** Closes cleanly with echoes in flight: every one must arrive before the close. */
  closeCleanly() {
    const code = Math.random() < 0.7 ? 1000 : between(4000, 4999);
    totals.closes[code === 1000 ? 1000 : '4xxx']++;
    this.ending = { kind: 'close', code, reconnectAfter: between(10, 300) };
    this.ws.close(code, code === 1000 ? 'soak: bye' : 'soak: custom code ✓');
  }

  /** Stops reading its echoes for a while (server-side backpressure), keeps sending a big one. */
  stall() {
    totals.stalls++;
    this.ws.pause();
    const big = makePayload(this.index, this.seq++, between(MIB, MAX_MESSAGE), true);
    this.queue.push({ data: big, isBinary: true });
    this.ws.send(big, { binary: true });
    const ws = this.ws;
    setTimeout(() => ws.resume(), between(300, 1500));
  }

  /** Sends 32 small messages at once. */
  burst() {
    totals.bursts++;
    for (let i = 0; i < 32; i++) {
      const isBinary = Math.random() < 0.5;
      const data = makePayload(this.index, this.seq++, between(0, 200), isBinary);
      this.queue.push({ data, isBinary });
      this.ws.send(data, { binary: isBinary });
    }
  }
}

function churnOnce() {
  const candidates = slots.filter((slot) => slot.open && slot.index >= IDLE_AT_SHUTDOWN);
  for (let n = between(1, 4); n > 0 && candidates.length > 0; n--) {
    const slot = candidates.splice(rand(candidates.length), 1)[0];
    const roll = Math.random();
    if (roll < 0.2) slot.killDestroy();
    else if (roll < 0.4) slot.killMidFrame();
    else if (roll < 0.5) slot.killMidMessage();
    else if (roll < 0.75) slot.closeCleanly();
    else if (roll < 0.87) slot.stall();
    else slot.burst();
  }
}

function healthz(port) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error);
          }
        });
      })
      .on('error', reject);
  });
}

// ---- main --------------------------------------------------------------------------

async function main() {
  requireBuild();
  const started = Date.now();
  const fdLimit = Math.min(openFileLimit(), openFileLimit(process.pid));
  const server = await launch(
    SERVERS.find((def) => def.key === 'ws-echo'),
    {},
  );
  const serverFdLimit = openFileLimit(server.pid);
  // Each client is one descriptor here and one in the server; leave room for the rest.
  const clients = Math.max(1, Math.min(WANTED_CLIENTS, Math.min(fdLimit, serverFdLimit) - 100));
  url = server.url;
  const port = Number(new URL(url).port);
  log(
    `soak: ${SECONDS} s, ${clients} clients against ws-echo (pid ${server.pid}, ${url}); open-file limit ${fdLimit} here, ${serverFdLimit} in the server`,
  );
  if (clients < WANTED_CLIENTS)
    log(`  (only ${clients} of ${WANTED_CLIENTS} clients: the open-file limit is too low; raise it with ulimit -n)`);

  let crashed;
  server.exited.then((info) => {
    if (phase !== 'shutdown') {
      crashed = info;
      fail(`the server exited during the soak (code ${info.code}, signal ${info.signal})\n${server.stderr()}`);
    }
  });

  const samples = []; // { t, rss, peak, phase }
  const sample = () => {
    if (!server.alive()) return;
    try {
      const { rss, peak } = memoryOf(server.pid);
      samples.push({ at: Date.now(), rss, peak, phase });
    } catch {
      // the process is going away
    }
  };
  sample();
  const baseline = samples[0].rss;
  const sampler = setInterval(sample, 1000);

  phase = 'steady';
  for (let i = 0; i < clients; i++) slots.push(new Slot(i));
  for (const slot of slots) slot.connect();
  const opened = await Promise.all(slots.map((slot) => slot.opened));
  if (opened.some((ok) => !ok)) fail(`${opened.filter((ok) => !ok).length} clients could not connect`);
  log(
    `  ${clients} clients connected after ${((Date.now() - started) / 1000).toFixed(1)} s; idle server RSS was ${formatBytes(baseline)}`,
  );

  const t0 = Date.now();
  const churnStart = t0 + SECONDS * 250;
  const churnEnd = t0 + SECONDS * 750;
  const end = t0 + SECONDS * 1000;
  let lastReport = { t: t0, messages: 0, bytes: 0 };
  const progress = setInterval(() => {
    const now = Date.now();
    const rss = samples.length ? samples[samples.length - 1].rss : NaN;
    log(
      `  t=${String(Math.round((now - t0) / 1000)).padStart(3)}s ${phase.padEnd(6)} open ${String(slots.filter((s) => s.open).length).padStart(3)}` +
        `  ${int(((totals.messages - lastReport.messages) * 1000) / (now - lastReport.t)).padStart(6)} msg/s` +
        ` ${((((totals.bytes - lastReport.bytes) / (now - lastReport.t)) * 1000) / 1e6).toFixed(1).padStart(6)} MB/s` +
        `  total ${int(totals.messages)} msgs  reconnects ${totals.reconnects}  server RSS ${formatBytes(rss)}  errors ${totals.errors}`,
    );
    lastReport = { t: now, messages: totals.messages, bytes: totals.bytes };
  }, 5000);

  let churnTimer;
  while (Date.now() < end && !crashed) {
    const now = Date.now();
    if (phase === 'steady' && now >= churnStart && now < churnEnd) {
      phase = 'churn';
      log('  churn starts: kills, clean closes, stalls and bursts every 250 ms, each client reconnected');
      churnTimer = setInterval(churnOnce, CHURN_EVERY_MS);
    } else if (phase === 'churn' && now >= churnEnd) {
      phase = 'steady';
      clearInterval(churnTimer);
      log('  churn ends');
    }
    await sleep(50);
  }
  clearInterval(churnTimer);
  const steadyEndRss = samples.length ? samples[samples.length - 1].rss : NaN;

  // Finish: wait for reconnects in progress, stop sending, let every echo arrive.
  phase = 'finishing';
  await sleep(400);
  await Promise.all(slots.map((slot) => slot.opened));
  for (const slot of slots) slot.sending = false;
  const drained = await Promise.all(slots.map((slot) => slot.drained(DRAIN_TIMEOUT_MS)));
  const stuck = slots.filter((slot, i) => !drained[i] && slot.ws.readyState === WebSocket.OPEN);
  for (const slot of slots) slot.reportLost(() => `slot ${slot.index} (connection ${slot.generation})`);
  for (const slot of stuck)
    fail(
      `slot ${slot.index}: ${slot.queue.length} echoes never arrived (first: ${describe(slot.queue[0].data)}) after ${DRAIN_TIMEOUT_MS / 1000} s`,
    );
  const loadSeconds = (Date.now() - t0) / 1000;

  // Close all but IDLE_AT_SHUTDOWN clients cleanly.
  const closing = slots.filter((slot) => slot.index >= IDLE_AT_SHUTDOWN && slot.ws.readyState === WebSocket.OPEN);
  for (const slot of closing) {
    slot.ending = { kind: 'close', code: 1000 };
    slot.ws.close(1000, 'soak done');
  }
  await Promise.race([Promise.all(closing.map((slot) => slot.closed)), sleep(10_000)]);
  const notClosed = closing.filter((slot) => slot.ws.readyState !== WebSocket.CLOSED);
  if (notClosed.length) fail(`${notClosed.length} clean closes did not finish within 10 s`);
  const idle = slots.filter((slot) => slot.index < IDLE_AT_SHUTDOWN && slot.ws.readyState === WebSocket.OPEN);

  // The server must have let go of every other connection, killed ones included.
  let health;
  for (let i = 0; i < 50; i++) {
    health = await healthz(port).catch((error) => ({ error: error.message }));
    if (health.connections === idle.length) break;
    await sleep(100);
  }
  if (health.connections !== idle.length) {
    fail(
      `/healthz reports ${health.connections ?? health.error} open connections 5 s after the others closed; ${idle.length} are open`,
    );
  }
  await sleep(1500);
  sample();
  const endRss = samples[samples.length - 1].rss;
  clearInterval(sampler);
  clearInterval(progress);

  // SIGTERM: the idle clients get 1001, the server exits 0.
  phase = 'shutdown';
  for (const slot of idle) slot.ending = { kind: 'shutdown' };
  const peak = Math.max(...samples.map((s) => s.peak));
  const stopped = crashed ? { ...crashed, killed: false } : await server.stop(10_000);
  await Promise.race([Promise.all(idle.map((slot) => slot.closed)), sleep(5000)]);
  const stillOpen = idle.filter((slot) => slot.ws.readyState !== WebSocket.CLOSED);
  if (stillOpen.length) fail(`${stillOpen.length} idle clients were not closed by the server's shutdown`);
  if (!crashed && (stopped.code !== 0 || stopped.killed)) {
    fail(
      `ws-echo did not exit 0 on SIGTERM (code ${stopped.code}, signal ${stopped.signal}${stopped.killed ? ', had to be killed' : ''})`,
    );
  }
  if (server.stderr().trim()) fail(`ws-echo wrote to stderr:\n${server.stderr()}`);

  report({ clients, t0, end, seconds: loadSeconds, baseline, peak, steadyEndRss, endRss, samples, health, stopped });
  if (totals.errors > 0) {
    log(`\nsoak FAILED with ${totals.errors} errors:\n  ${errorLines.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    log(
      '\nsoak passed: every echo arrived intact and in order, every close code was the expected one, and ws-echo exited 0 on SIGTERM',
    );
  }
  // Let pending timers (reconnect delays) go.
  setTimeout(() => process.exit(), 100).unref();
}

function report({ clients, t0, end, seconds, baseline, peak, steadyEndRss, endRss, samples, health, stopped }) {
  const kills = totals.kills.destroy + totals.kills['mid-frame'] + totals.kills['mid-message'];
  // RSS over the loaded period, in quarters (steady, churn, churn, steady), to show growth or its absence.
  const quarter = (q) => {
    const from = t0 + ((end - t0) * q) / 4;
    const to = t0 + ((end - t0) * (q + 1)) / 4;
    const inQuarter = samples.filter((s) => s.at >= from && s.at < to);
    return inQuarter.length ? formatBytes(Math.max(...inQuarter.map((s) => s.rss))) : '?';
  };
  const lines = [
    `ws-echo soak: ${seconds.toFixed(0)} s, ${clients} clients (graceful mode, --quiet), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `| | |`,
    `|---|---|`,
    `| echoes verified | ${int(totals.messages)} (${int(totals.text)} text, ${int(totals.binary)} binary, ${int(totals.empty)} empty, ${int(totals.fragmented)} sent in fragments), ${int(totals.messages / seconds)}/s |`,
    `| bytes verified | ${formatBytes(totals.bytes)} (${(totals.bytes / seconds / 1e6).toFixed(1)} MB/s), largest message ${formatBytes(totals.largest)} |`,
    `| pings / pongs | ${int(totals.pings)} / ${int(totals.pongs)} |`,
    `| connections | ${int(totals.connects)} (${int(totals.reconnects)} reconnects) |`,
    `| abrupt kills | ${kills} (${totals.kills.destroy} socket destroyed with echoes in flight, ${totals.kills['mid-frame']} in the middle of a frame, ${totals.kills['mid-message']} between the fragments of a 2 MiB message); ${int(totals.abandoned)} echoes in flight abandoned with them |`,
    `| clean closes mid-traffic | ${totals.closes[1000] + totals.closes['4xxx']} (${totals.closes[1000]} with 1000, ${totals.closes['4xxx']} with a 4xxx code), every echo in flight received first |`,
    `| stalled readers / bursts | ${totals.stalls} / ${totals.bursts} |`,
    `| errors | ${totals.errors} |`,
    `| server RSS | idle ${formatBytes(baseline)}; max per quarter ${[0, 1, 2, 3].map(quarter).join(', ')}; peak (VmHWM) ${formatBytes(peak)}; at end of load ${formatBytes(steadyEndRss)}; at end, ${health.connections ?? '?'} idle clients left, ${formatBytes(endRss)} |`,
    `| shutdown | SIGTERM: exit code ${stopped.code}${stopped.signal ? `, signal ${stopped.signal}` : ''}; ${totals.shutdownCloses} of ${health.connections ?? '?'} idle clients closed with 1001 |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  log(`soak: ${error.stack || error.message}`);
  process.exit(1);
});
