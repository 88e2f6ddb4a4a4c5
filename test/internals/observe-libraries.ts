// Real ws and Node objects for the shape check: a server and clients on port 0, a Receiver, a TLS server, a terminal.
import { execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { connect as h2Connect, createServer as createH2cServer } from 'node:http2';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as connectTls, type TLSSocket } from 'node:tls';
import type WebSocket from 'ws';
import { onSessionWithSocket, startRequestChecks } from '../../src/internals/node-http';
import { tcpSocketOf, tlsHandshakeUnfinished } from '../../src/internals/node-tls';
import type { Observed } from '../../src/internals/shape-check';
import { CLOSE_FLAGS_BEHAVIOUR, ownCloseSent, peerCloseReceived } from '../../src/internals/ws-close-flags';
import { OFFERS_FROM_REQUEST_HEADERS, replaceExtensionOffers } from '../../src/internals/ws-extensions';
import {
  AWAITING_PAYLOAD,
  readsHeldBefore,
  READS_THROUGH_WRITE,
  receiverOf,
  replaceWrite,
  takeHeldReads,
  type ReceiverWrite,
  type WsReceiver,
} from '../../src/internals/ws-receiver';
import { CLOSE_ON_PEER_CLOSE, CLOSE_ON_PROTOCOL_ERROR, replaceClose } from '../../src/internals/ws-websocket';
import { INFLATES_THROUGH_DECOMPRESS, watchInflation } from '../../src/internals/ws-inflate';
import { FRAME_HEADERS_THROUGH_HAVE_LENGTH, watchDataFrames } from '../../src/internals/ws-frames';
import { makeTestCert } from '../helpers/tls-cert';

/** The `ws` module under test: the installed one, or a changed copy loaded from its path. */
export type WsModule = typeof WebSocket;

const WAIT_MS = 3000;

/** Resolves with `promise`, or with `fallback` after {@link WAIT_MS} (a behaviour that never happens is false). */
function within<T>(promise: Promise<T>, fallback: T): Promise<T> {
  return Promise.race([promise, new Promise<T>((resolve) => setTimeout(resolve, WAIT_MS, fallback).unref())]);
}

/** A ws server on port 0 that hands each connection's server side to `onConnection`. */
async function wsServer(
  ws: WsModule,
  onConnection: (socket: WebSocket) => void,
): Promise<{ url: string; close(): void }> {
  const wss = new ws.WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', onConnection);
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, close: () => wss.close() };
}

/** Opens a client of `ws` and resolves once it is open. */
async function client(ws: WsModule, url: string): Promise<WebSocket> {
  const socket = new ws.WebSocket(url);
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  return socket;
}

/** The next server-side connection of `wss`, as a promise set up before the client connects. */
function nextConnection(connections: WebSocket[]): Promise<WebSocket> {
  return new Promise((resolve) => {
    const poll = (): void => void (connections.length > 0 ? resolve(connections.shift()!) : setImmediate(poll));
    poll();
  });
}

/** A fresh server-side WebSocket and its receiver, then the behaviours of reads, close frames and protocol errors. */
async function observeWebSocket(ws: WsModule): Promise<Observed> {
  const connections: WebSocket[] = [];
  const server = await wsServer(ws, (socket) => connections.push(socket));
  try {
    const first = await client(ws, server.url);
    const serverSide = await nextConnection(connections);
    const fresh = { closeFrameReceived: peerCloseReceived(serverSide), closeFrameSent: ownCloseSent(serverSide) };
    const instances = { WebSocket: serverSide, Receiver: (serverSide as unknown as { _receiver?: unknown })._receiver };
    const readsThroughWrite = await observeReads(serverSide, first);
    const peerClose = await observePeerClose(serverSide, first);
    const second = await client(ws, server.url);
    const errorClose = await observeProtocolError(await nextConnection(connections), second);
    return {
      instances,
      behaviours: {
        [READS_THROUGH_WRITE]: readsThroughWrite,
        [CLOSE_ON_PEER_CLOSE]: peerClose.called,
        [CLOSE_FLAGS_BEHAVIOUR]: !fresh.closeFrameReceived && !fresh.closeFrameSent && peerClose.flagsHeld,
        [CLOSE_ON_PROTOCOL_ERROR]: errorClose,
      },
    };
  } finally {
    server.close();
  }
}

/** Whether a read of the client's message reached the `write` we put on the server side's receiver. */
async function observeReads(serverSide: WebSocket, peer: WebSocket): Promise<boolean> {
  const receiver = receiverOf(serverSide);
  if (receiver === undefined) return false;
  let reads = 0;
  const own: ReceiverWrite = replaceWrite(receiver, function (this: WsReceiver, chunk: Buffer): boolean {
    reads++;
    return own.call(this, chunk);
  });
  const message = new Promise<boolean>((resolve) => serverSide.once('message', () => resolve(true)));
  peer.send('hello');
  return (await within(message, false)) && reads > 0;
}

/**
 * Whether the client's close frame reached the `close()` we put on the server side, and whether, once the server side
 * closed, the flags said both close frames went through.
 */
async function observePeerClose(
  serverSide: WebSocket,
  peer: WebSocket,
): Promise<{ called: boolean; flagsHeld: boolean }> {
  const own = serverSide.close;
  let called = false;
  replaceClose(serverSide, function (this: WebSocket, code?: number, reason?: string | Buffer) {
    called = code === 1000 && String(reason) === 'bye';
    own.call(this, code, reason);
  });
  const closed = new Promise<boolean>((resolve) => serverSide.once('close', () => resolve(true)));
  peer.close(1000, 'bye');
  const done = await within(closed, false);
  return { called: done && called, flagsHeld: done && peerCloseReceived(serverSide) && ownCloseSent(serverSide) };
}

/** Whether invalid UTF-8 in a text message made ws call the `close()` we put on the server side, with 1007. */
async function observeProtocolError(serverSide: WebSocket, peer: WebSocket): Promise<boolean> {
  const own = serverSide.close;
  let code: number | undefined;
  serverSide.on('error', () => undefined);
  replaceClose(serverSide, function (this: WebSocket, closeCode?: number, reason?: string | Buffer) {
    code = closeCode;
    own.call(this, closeCode, reason);
  });
  const closed = new Promise<boolean>((resolve) => serverSide.once('close', () => resolve(true)));
  peer.send(Buffer.from([0xff]), { binary: false });
  return (await within(closed, false)) && code === 1007;
}

/** A real Receiver given the masked header of a 100-byte binary frame and 10 bytes of it: what its fields say. */
function observeReceiver(ws: WsModule): boolean {
  const { Receiver } = ws as unknown as { Receiver: new (options: { isServer: boolean }) => WsReceiver };
  const receiver = new Receiver({ isServer: true });
  receiver.write(Buffer.concat([Buffer.from([0x82, 0x80 | 100, 1, 2, 3, 4]), Buffer.alloc(10)]));
  const fields = receiver as unknown as Record<string, unknown>;
  const shaped =
    fields._state === 4 &&
    fields._opcode === 2 &&
    fields._payloadLength === 100 &&
    fields._totalPayloadLength === 100 &&
    fields._bufferedBytes === 10 &&
    Array.isArray(fields._buffers) &&
    fields._buffers.length === 1;
  // Our readings of it: a 5-byte read would not finish the payload, a 90-byte one would.
  const readings = readsHeldBefore(receiver, 5) === 1 && readsHeldBefore(receiver, 90) === 0;
  return shaped && readings && takeHeldReads(receiver).bytes === 10 && fields._bufferedBytes === 0;
}

/** The extensions a client of `ws` gets from a deflate server, with the offers header rewritten to `header` or not. */
async function negotiated(ws: WsModule, rewrite: boolean): Promise<string> {
  const wss = new ws.WebSocketServer({ noServer: true, perMessageDeflate: true });
  const http: Server = createServer();
  http.on('upgrade', (req, socket, head) => {
    if (rewrite) replaceExtensionOffers(req, undefined);
    wss.handleUpgrade(req, socket, head, () => undefined);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  try {
    const peer = await client(ws, `ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    peer.terminate();
    return peer.extensions;
  } finally {
    http.close();
    http.closeAllConnections();
  }
}

/**
 * Whether a compressed message's inflation, watched with watchInflation, is admitted, started on a stream, held while
 * that stream is paused and delivered once it resumes; and whether the server's compressed answer is reported.
 */
async function observeInflation(ws: WsModule): Promise<boolean> {
  const wss = new ws.WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  await new Promise((resolve) => wss.once('listening', resolve));
  try {
    const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const peer = new ws.WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {
      perMessageDeflate: { threshold: 0 },
    });
    peer.on('error', () => undefined);
    const server = await serverSide;
    // Two messages: the first makes the stream (not pausable), the second is paused until 100 ms later.
    const seen = { admitted: 0, paused: false, routed: false, ended: 0, compressed: false };
    let paused: { resume(): void } | undefined;
    const watched = watchInflation(server, {
      admit: (fresh, bytes) => ((seen.admitted += fresh ? 1 : 10), bytes > 0),
      startLater: () => undefined,
      frameStarted: (stream, pausable) => {
        if (!pausable) return;
        stream.pause();
        paused = stream;
        setTimeout(() => ((seen.paused = seen.ended === 1), stream.resume()), 100);
      },
      inflationDone: (done) => {
        seen.routed = paused !== undefined;
        setTimeout(done, 150);
      },
      frameEnded: () => void seen.ended++,
      compressed: () => (seen.compressed = true),
    });
    const texts: string[] = [];
    const message = new Promise<boolean>((resolve) =>
      server.on('message', (data) => texts.push(String(data)) === 2 && resolve(texts.join() === 'hi,there')),
    );
    await new Promise((resolve) => peer.once('open', resolve));
    peer.send('hi');
    peer.send('there');
    const echoed = new Promise((resolve) => peer.once('message', resolve));
    const arrived = await within(message, false);
    server.send('back');
    await within(echoed, undefined);
    peer.terminate();
    const { admitted, ended } = seen;
    return watched && arrived && admitted === 11 && seen.paused && seen.routed && ended === 2 && seen.compressed;
  } finally {
    wss.close();
  }
}

/**
 * Whether a 3-frame text message (2, 0 and 3 bytes), then a ping, then a one-frame message reached the listener
 * `watchDataFrames` put on the server side as exactly those data frames, each before its message was emitted.
 */
async function observeFrameHeaders(ws: WsModule): Promise<boolean> {
  const connections: WebSocket[] = [];
  const server = await wsServer(ws, (socket) => connections.push(socket));
  try {
    const peer = await client(ws, server.url);
    const serverSide = await nextConnection(connections);
    const seen: string[] = [];
    const watched = watchDataFrames(serverSide, (length, fin, compressed) =>
      seen.push(`${length}${fin ? '.' : ''}${compressed ? 'z' : ''}`),
    );
    const messages = new Promise<boolean>((resolve) =>
      serverSide.on(
        'message',
        (data) => seen.push(`message ${String(data)}`) && String(data) === 'one' && resolve(true),
      ),
    );
    peer.send('hi', { fin: false });
    peer.send('', { fin: false });
    peer.send('you', { fin: true });
    peer.ping('p');
    peer.send('one');
    const arrived = await within(messages, false);
    peer.terminate();
    return watched && arrived && seen.join(',') === '2,0,3.,message hiyou,3.,message one';
  } finally {
    server.close();
  }
}

/** What ws's module and its WebSocket, Receiver and server show: every ws row's instance and behaviour. */
export async function observeWs(ws: WsModule): Promise<Observed> {
  const observed = await observeWebSocket(ws);
  const offersFollowHeader = (await negotiated(ws, false)) !== '' && (await negotiated(ws, true)) === '';
  return {
    instances: { ws, ...observed.instances },
    behaviours: {
      ...observed.behaviours,
      [AWAITING_PAYLOAD]: observeReceiver(ws),
      [OFFERS_FROM_REQUEST_HEADERS]: offersFollowHeader,
      [INFLATES_THROUGH_DECOMPRESS]: await observeInflation(ws),
      [FRAME_HEADERS_THROUGH_HAVE_LENGTH]: await observeFrameHeaders(ws),
    },
  };
}

/** A TLS server's socket after a finished handshake, whether its flags held, and a failed handshake's socket. */
export async function observeTls(): Promise<{ socket: TLSSocket; secureEstablished: boolean; parent: boolean }> {
  const cert = makeTestCert();
  const server = createTlsServer({ cert: cert.cert, key: cert.key });
  const accepted: Socket[] = [];
  server.on('connection', (raw: Socket) => accepted.push(raw));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const failed = new Promise<TLSSocket>((resolve) => server.once('tlsClientError', (_e, socket) => resolve(socket)));
    connect(port, '127.0.0.1')
      .end('GET / HTTP/1.1\r\n\r\n')
      .on('error', () => undefined);
    const failedSocket = await failed;
    const secure = new Promise<TLSSocket>((resolve) => server.once('secureConnection', resolve));
    const peer = connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false });
    const socket = await secure;
    peer.destroy();
    return {
      socket,
      secureEstablished: tlsHandshakeUnfinished(failedSocket) && !tlsHandshakeUnfinished(socket),
      parent: tcpSocketOf(socket) === accepted[1] && tcpSocketOf(failedSocket) === accepted[0],
    };
  } finally {
    server.close();
    cert.remove();
  }
}

/**
 * What Node's stdout is under a real terminal (`script` gives the child a pseudo-terminal): whether it is a TTY, and
 * `setBlocking` on its handle, called as main.ts calls it.
 */
export function observeTerminalStdout(): { isTTY: boolean; _handle: { setBlocking?: unknown } } {
  const child =
    "const h = process.stdout._handle; const f = h && h.setBlocking; if (typeof f === 'function') f.call(h, false);" +
    'console.log(JSON.stringify({ isTTY: process.stdout.isTTY === true, setBlocking: typeof f }))';
  const command = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(child)}`;
  const output = execFileSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 10_000 });
  const report = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1)) as {
    isTTY: boolean;
    setBlocking: string;
  };
  // A stand-in with what the child saw: the function itself cannot cross the process boundary.
  return {
    isTTY: report.isTTY,
    _handle: { setBlocking: report.setBlocking === 'function' ? () => undefined : undefined },
  };
}

/**
 * Node's HTTP servers as src/internals/node-http.ts relies on: a server handed a connection it did not accept answers
 * an unfinished request 408 once told it listens, and an h2c session's socket is the one its 'connection' gave.
 */
export async function observeHttp(): Promise<{ checksOnListening: boolean; sessionInListener: boolean }> {
  const http = createServer({ headersTimeout: 200, requestTimeout: 200, connectionsCheckingInterval: 50 });
  const front = createNetServer((socket) => http.emit('connection', socket));
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  startRequestChecks(http);
  const answer = await new Promise<string>((resolve) => {
    const socket = connect((front.address() as AddressInfo).port, '127.0.0.1', () =>
      socket.write('GET / HTTP/1.1\r\n'),
    );
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    setTimeout(() => socket.destroy(), 3000).unref();
  });
  http.close();
  await new Promise((resolve) => front.close(resolve));
  const h2 = createH2cServer();
  let given: unknown;
  let accepted: unknown;
  onSessionWithSocket(h2, (_session, socket) => (given = socket));
  h2.on('connection', (socket) => (accepted = socket));
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
  const session = h2Connect(`http://127.0.0.1:${(h2.address() as AddressInfo).port}`);
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  session.destroy();
  await new Promise((resolve) => h2.close(resolve));
  return {
    checksOnListening: /^HTTP\/1\.1 408 /.test(answer),
    sessionInListener: given !== undefined && given === accepted,
  };
}
