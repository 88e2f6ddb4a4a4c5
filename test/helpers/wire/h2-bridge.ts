// A local bridge from HTTP/1.1 WebSocket clients to RFC 8441: each upgrade it takes becomes an extended CONNECT stream
// on one HTTP/2 session to the server, so checks written for raw TCP clients run through the HTTP/2 path unchanged.
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { acceptFor } from './raw-http';

const HEAD_END = '\r\n\r\n';
/** Request headers a client's upgrade may carry that mean the same in RFC 8441. */
const FORWARDED = ['origin', 'sec-websocket-protocol', 'sec-websocket-extensions'];
/** Response headers the server's 200 may carry that the 101 passes on. */
const ANSWERED = ['sec-websocket-protocol', 'sec-websocket-extensions'];

/** The bridge: its port, and a close that ends every bridged connection and the session. */
export interface H2Bridge {
  port: number;
  close(): Promise<void>;
}

/** An upgrade request's head: its target and its headers, names in lower case. */
function parseRequest(head: string): { path: string; headers: Record<string, string> } {
  const [requestLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { path: requestLine.split(' ')[1] ?? '/', headers };
}

/** The HTTP/1.1 answer to the client for the stream's answer: a 101 for a 200, else that status and the body. */
function answerHead(status: number, answer: Record<string, unknown>, key: string): string {
  if (status !== 200) return `HTTP/1.1 ${status} Refused\r\nConnection: close\r\n\r\n`;
  const extra = ANSWERED.filter((name) => answer[name] !== undefined).map((name) => `${name}: ${String(answer[name])}`);
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade'];
  return [...lines, `Sec-WebSocket-Accept: ${acceptFor(key)}`, ...extra].join('\r\n') + HEAD_END;
}

/** Ties one client socket to one stream: bytes both ways, END_STREAM as FIN, a reset as a TCP reset. */
function tie(socket: Socket, stream: ClientHttp2Stream, early: Buffer): void {
  if (early.length > 0) stream.write(early);
  socket.pipe(stream);
  stream.pipe(socket);
  stream.on('error', () => undefined);
  stream.once('close', () => {
    if (stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR) socket.resetAndDestroy();
  });
  socket.once('close', () => {
    if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  });
}

/** Takes one client connection: its upgrade head, then the stream it becomes. */
function bridgeOne(socket: Socket, session: () => ClientHttp2Session): void {
  let gathered = Buffer.alloc(0);
  socket.on('error', () => undefined);
  const onData = (chunk: Buffer): void => {
    gathered = Buffer.concat([gathered, chunk]);
    const end = gathered.indexOf(HEAD_END);
    if (end === -1) return;
    socket.off('data', onData).pause();
    const { path, headers } = parseRequest(gathered.toString('latin1', 0, end));
    const forwarded = Object.fromEntries(FORWARDED.filter((n) => headers[n] !== undefined).map((n) => [n, headers[n]]));
    const stream = session().request(
      {
        ':method': 'CONNECT',
        ':protocol': 'websocket',
        ':scheme': 'http',
        ':path': path,
        'sec-websocket-version': '13',
        ...forwarded,
      },
      { endStream: false },
    );
    stream.once('response', (answer) => {
      const status = Number(answer[':status']);
      socket.write(answerHead(status, answer, headers['sec-websocket-key'] ?? ''));
      if (status === 200) return tie(socket, stream, gathered.subarray(end + HEAD_END.length));
      stream.pipe(socket);
    });
    stream.on('error', () => socket.destroy());
  };
  socket.on('data', onData);
}

/** Starts a bridge on a free port to the `--h2` server listening on `targetPort` (h2c). */
export async function startH2Bridge(targetPort: number): Promise<H2Bridge> {
  let session: ClientHttp2Session | undefined;
  const sessionNow = (): ClientHttp2Session => {
    if (!session || session.closed || session.destroyed) {
      session = connect(`http://127.0.0.1:${targetPort}`, { settings: { initialWindowSize: 4 * 1024 * 1024 } });
      session.on('error', () => undefined);
    }
    return session;
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    bridgeOne(socket, sessionNow);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      session?.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
