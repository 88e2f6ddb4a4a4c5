'use strict';
// The HTTP/2 row's load generator (Node, no ws): N WebSockets, as RFC 8441 streams on one HTTP/2 connection (h2c)
// or as N TCP connections with HTTP/1.1 upgrades, each keeping K 64 B text messages in flight; every echo is checked
// (opcode, length, content). Prints one JSON line: echoes in the measured window, its seconds, the server's CPU
// seconds meanwhile (from /proc), errors.
//
// Usage: node h2-load.js --port P --transport h2|tcp --conns N --inflight K --seconds S --warmup W --server-pids a,b
const http2 = require('node:http2');
const net = require('node:net');
const crypto = require('node:crypto');
const { cpuSecondsOf } = require('./proc.js');

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
};
const PORT = Number(arg('port'));
const TRANSPORT = arg('transport', 'h2');
const CONNS = Number(arg('conns', '1'));
const INFLIGHT = Number(arg('inflight', '16'));
const SECONDS = Number(arg('seconds', '1'));
const WARMUP = Number(arg('warmup', '0.25'));
const SERVER_PIDS = String(arg('server-pids', '')).split(',').filter(Boolean).map(Number);

const PAYLOAD = Buffer.alloc(64, 'x');
/** One masked text frame of PAYLOAD (mask key 0: still masked, as RFC 6455 requires of a client). */
const FRAME = Buffer.concat([Buffer.from([0x81, 0x80 | PAYLOAD.length, 0, 0, 0, 0]), PAYLOAD]);
/** What the server sends back: unmasked. */
const ECHO = Buffer.concat([Buffer.from([0x81, PAYLOAD.length]), PAYLOAD]);

const errors = [];
let echoes = 0;

/** Counts whole echoes in `chunk` (after `carry`), answers each with a new message; returns the new carry. */
function onBytes(carry, chunk, write) {
  const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
  const whole = Math.floor(data.length / ECHO.length);
  for (let i = 0; i < whole; i++) {
    if (!data.subarray(i * ECHO.length, (i + 1) * ECHO.length).equals(ECHO)) {
      errors.push('an echo differed from its message');
      break;
    }
  }
  echoes += whole;
  if (whole > 0) write(whole === 1 ? FRAME : Buffer.concat(Array(whole).fill(FRAME)));
  return data.subarray(whole * ECHO.length);
}

/** N extended CONNECT streams on one HTTP/2 session. */
async function openH2() {
  const session = http2.connect(`http://127.0.0.1:${PORT}`, { settings: { initialWindowSize: 4 * 1024 * 1024 } });
  session.on('error', (error) => errors.push(`session: ${error.message}`));
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  const streams = [];
  for (let i = 0; i < CONNS; i++) {
    const stream = session.request(
      {
        ':method': 'CONNECT',
        ':protocol': 'websocket',
        ':scheme': 'http',
        ':path': '/',
        'sec-websocket-version': '13',
      },
      { endStream: false },
    );
    await new Promise((resolve, reject) => {
      stream.once('response', (h) => (h[':status'] === 200 ? resolve() : reject(new Error(`status ${h[':status']}`))));
      stream.once('error', reject);
    });
    streams.push(stream);
  }
  return { sockets: streams, close: () => session.destroy() };
}

/** N TCP connections, each upgraded with HTTP/1.1. */
async function openTcp() {
  const sockets = [];
  for (let i = 0; i < CONNS; i++) {
    const socket = net.connect(PORT, '127.0.0.1');
    socket.setNoDelay(true);
    const key = crypto.randomBytes(16).toString('base64');
    socket.write(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        if (!head.subarray(0, 12).toString().includes('101')) return reject(new Error(head.toString()));
        if (head.length > end + 4) socket.unshift(head.subarray(end + 4));
        resolve();
      };
      socket.on('data', onData).once('error', reject);
    });
    sockets.push(socket);
  }
  return { sockets, close: () => sockets.forEach((s) => s.destroy()) };
}

const serverCpu = () => SERVER_PIDS.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);

async function main() {
  const { sockets, close } = TRANSPORT === 'h2' ? await openH2() : await openTcp();
  for (const socket of sockets) {
    let carry = Buffer.alloc(0);
    const write = (bytes) => socket.write(bytes);
    socket.on('data', (chunk) => (carry = onBytes(carry, chunk, write)));
    socket.on('error', (error) => errors.push(error.message));
    write(Buffer.concat(Array(INFLIGHT).fill(FRAME)));
  }
  await new Promise((resolve) => setTimeout(resolve, WARMUP * 1000));
  const start = { echoes, cpu: serverCpu(), at: process.hrtime.bigint(), client: process.cpuUsage() };
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const seconds = Number(process.hrtime.bigint() - start.at) / 1e9;
  const client = process.cpuUsage(start.client);
  const result = {
    transport: TRANSPORT,
    conns: CONNS,
    inflight: INFLIGHT,
    echoes: echoes - start.echoes,
    seconds,
    serverCpuSeconds: serverCpu() - start.cpu,
    clientCpuSeconds: (client.user + client.system) / 1e6,
    errors: errors.slice(0, 5),
  };
  close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ errors: [error.message] })}\n`);
  process.exit(1);
});
