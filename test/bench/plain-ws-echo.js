'use strict';
// The baseline for `make bench`: the smallest echo server the `ws` package allows.
// Usage: node test/bench/plain-ws-echo.js [port]   (prints the port it listens on)
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 0);
const wss = new WebSocketServer({ port, host: '127.0.0.1' });

wss.on('connection', (ws) => {
  ws.on('error', () => undefined); // a client's protocol error must not end the benchmark
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => process.stdout.write(`${wss.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
