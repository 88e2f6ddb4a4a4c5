// A ws server that gathers payloads as ws-echo's connections do (compiled dist/), for the ws module at argv[2]: it
// echoes two 100 KB messages from two clients and prints what it saw as one JSON line. Run by changed-ws.test.ts.
const path = require('node:path');
const ws = require(process.argv[2]);
const { gatherPayloads } = require(path.join(__dirname, '../../dist/connection/payload-gatherer.js'));

const ownWrites = [];
const wss = new ws.WebSocketServer({ port: 0, host: '127.0.0.1' });
wss.on('connection', (socket) => {
  gatherPayloads(socket, { countRead: () => undefined });
  ownWrites.push(Object.prototype.hasOwnProperty.call(socket._receiver, 'write'));
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

/** Sends one 100 KB message from a new client and resolves with the length of its echo. */
function echoedLength(url) {
  return new Promise((resolve, reject) => {
    const client = new ws.WebSocket(url);
    client.once('error', reject);
    client.once('open', () => client.send(Buffer.alloc(100_000, 7)));
    client.once('message', (data) => {
      client.close();
      resolve(data.length);
    });
  });
}

wss.once('listening', async () => {
  const url = `ws://127.0.0.1:${wss.address().port}`;
  const echoes = [await echoedLength(url), await echoedLength(url)];
  process.stdout.write(JSON.stringify({ echoes, ownWrites }) + '\n');
  wss.close();
  process.exit(0);
});
