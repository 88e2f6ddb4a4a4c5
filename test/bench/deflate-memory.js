// Server memory per idle connection with --deflate: RSS of a ws-echo process before and after N connections that each
// sent one message (so zlib streams exist both ways). Run: node test/bench/deflate-memory.js [N]
'use strict';
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const WebSocket = require('ws');

const N = Number(process.argv[2] ?? 500);
const BIN = path.join(__dirname, '..', '..', 'bin', 'ws-echo');
const MESSAGE = JSON.stringify({
  type: 'update',
  items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item ${i}` })),
});

function rssOf(pid) {
  return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)[1]) * 1024;
}

async function measure(args, clientDeflate, send = true) {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve) =>
    child.stdout.on('data', (chunk) => {
      const match = String(chunk).match(/listening on (ws:\/\/\S+)/);
      if (match) resolve(match[1]);
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = rssOf(child.pid);
  const clients = [];
  for (let i = 0; i < N; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: clientDeflate });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    if (send) {
      ws.send(MESSAGE);
      await new Promise((resolve) => ws.once('message', resolve));
    }
    clients.push(ws);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = rssOf(child.pid);
  clients.forEach((ws) => ws.terminate());
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return { before, after, perConnection: (after - before) / N, extensions: clients[0].extensions };
}

(async () => {
  const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  for (const [label, args, clientDeflate, send] of [
    ['--deflate, negotiated, no message sent yet', ['--deflate'], true, false],
    ['no --deflate', [], false],
    ['--deflate, client does not offer it', ['--deflate'], false],
    ['--deflate, permessage-deflate negotiated', ['--deflate'], true],
    ['--deflate, client offers server_max_window_bits=10', ['--deflate'], { serverMaxWindowBits: 10 }],
  ]) {
    const { before, after, perConnection, extensions } = await measure(args, clientDeflate, send);
    console.log(
      `${label} (${extensions || 'no extension'}): ${N} connections, RSS ${kib(before)} -> ${kib(after)}, ${kib(perConnection)} per connection`,
    );
  }
})();
