// The echo server people pick Bun for: Bun.serve's built-in WebSocket server (uWebSockets), for `make bench-peers`.
// Usage: bun test/bench/peers/bun-echo.js   (prints the port it listens on)
/* global Bun */
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request, server) {
    return server.upgrade(request) ? undefined : new Response('WebSocket echo\n');
  },
  websocket: {
    maxPayloadLength: 100 * 1024 * 1024,
    // A string arrives for a text message and goes back as text; a buffer as binary.
    message(ws, message) {
      ws.send(message);
    },
  },
});
process.stdout.write(`${server.port}\n`);
process.on('SIGTERM', () => process.exit(0));
