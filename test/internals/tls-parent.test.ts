// TLSSocket._parent (src/internals/node-tls.ts) at work: a wss:// WebSocket stops counting as a pending handshake.
import type { Socket } from 'node:net';
import { BIN, startCli } from '../helpers/processes/cli';
import { connect, type TestClient } from '../helpers/clients';
import { perTest } from '../helpers/per-test';
import { stopChild } from '../helpers/probe';
import { openTcp, portOf } from '../helpers/wire/raw-http';
import { makeTestCert } from '../helpers/tls-cert';

const FD_LIMIT = 200;
/** More idle sockets than the limit allows descriptors (it allows 152 sockets). */
const IDLE_SOCKETS = 220;
const WEBSOCKETS = 3;

const { defer } = perTest();

describe(`wss:// under ulimit -n ${FD_LIMIT} (needs make build)`, () => {
  it('closes the oldest idle TCP sockets, not the older WebSockets, whose TLS sockets wrap the TCP ones counted', async () => {
    const cert = makeTestCert();
    defer(() => cert.remove());
    const flags = ['--port', '0', '--cert', cert.certFile, '--key', cert.keyFile, '--handshake-timeout', '60'];
    const command = ['bash', '-c', `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`, process.execPath, BIN];
    const cli = startCli(flags, { command });
    defer(() => stopChild(cli.child));
    const [, url] = await cli.waitFor(/listening on (wss:\/\/\S+)/);

    const clients: TestClient[] = [];
    defer(() => clients.forEach((client) => client.ws.terminate()));
    for (let i = 0; i < WEBSOCKETS; i++) clients.push(await connect(url, { ca: cert.cert }));
    const idle: Socket[] = [];
    defer(() => idle.forEach((socket) => socket.destroy()));
    for (let i = 0; i < IDLE_SOCKETS; i++) idle.push((await openTcp(portOf(url))).on('error', () => undefined));
    await cli.waitFor(/^rejected .*: 503 open-file limit reached .*the oldest pending handshake was closed/m);

    for (const client of clients) client.ws.send('still here');
    for (const client of clients) {
      const closed = client.closed.then(({ code }) => `closed with ${code}`);
      const echo = client.nextMessages(1).then(([message]) => message.data.toString());
      expect(await Promise.race([echo, closed])).toBe('still here');
    }
    expect(idle[0].destroyed || idle[0].readableEnded).toBe(true);
  });
});
