'use strict';
// The baseline for `make bench`: the smallest echo server the `ws` package allows.
// With WS_ECHO_CORK=1, issue 9's ten-line prototype instead: the socket is corked at the first
// echo of a read and uncorked on the next tick, so a read's echoes leave in one write. It shows
// what the technique alone gives, next to ws-echo, which does the same and everything else.
// Usage: node test/bench/plain-ws-echo.js [port]   (prints the port it listens on)
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 0);
const wss = new WebSocketServer({ port, host: '127.0.0.1' });
const cork = process.env.WS_ECHO_CORK === '1';

function uncork(socket) {
  socket.corked = false;
  socket.uncork();
}

wss.on('connection', (ws, request) => {
  ws.on('error', () => undefined); // a client's protocol error must not end the benchmark
  if (!cork) {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    return;
  }
  const socket = request.socket;
  ws.on('message', (data, isBinary) => {
    if (!socket.corked) {
      socket.corked = true;
      socket.cork();
      process.nextTick(uncork, socket);
    }
    ws.send(data, { binary: isBinary });
  });
});
wss.on('listening', () => process.stdout.write(`${wss.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
