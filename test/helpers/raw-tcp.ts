// A bare TCP WebSocket client for resource and limit tests: a hand-made opening handshake,
// masked client frames with the all-zero key (masking then costs nothing) and a parser for
// the server's unmasked frames. Self-contained on purpose (no dependency on frames.ts).
import { createHash, randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Opcodes used here (RFC 6455 §5.2). */
export const OP = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Opens a TCP connection to `port` on loopback. */
export function tcpConnect(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ port, host });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Host and port of a `ws://` URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** The text of an upgrade request for `path`, with a fresh key. */
export function upgradeRequest(path = '/', key = randomBytes(16).toString('base64')): string {
  return (
    `GET ${path} HTTP/1.1\r\n` +
    `Host: 127.0.0.1\r\n` +
    `Upgrade: websocket\r\n` +
    `Connection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\n` +
    `Sec-WebSocket-Version: 13\r\n\r\n`
  );
}

/** A socket whose opening handshake succeeded; reading is paused and nothing is consumed. */
export interface RawWebSocket {
  socket: Socket;
  /** Bytes that arrived right after the 101 response (usually none). */
  rest: Buffer;
}

/**
 * Does the opening handshake by hand on a fresh TCP connection and checks the 101 and
 * `Sec-WebSocket-Accept`. Afterwards the socket has no 'data' listener and is paused:
 * it reads nothing more unless the caller asks.
 */
export async function rawUpgrade(url: string): Promise<RawWebSocket> {
  const socket = await tcpConnect(portOf(url));
  const key = randomBytes(16).toString('base64');
  const expectedAccept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const fail = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (error: Error): void => fail(error);
    const onClose = (): void => fail(new Error('connection closed during the handshake'));
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      cleanup();
      socket.pause();
      const text = head.subarray(0, end).toString('latin1');
      const status = Number(text.slice(9, 12));
      const accept = /^sec-websocket-accept:\s*(\S+)/im.exec(text)?.[1];
      if (status !== 101 || accept !== expectedAccept) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${text.split('\r\n')[0]}`));
        return;
      }
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(upgradeRequest('/', key));
  });
}

/**
 * The header of a final, masked client frame of `length` payload bytes, followed by the
 * all-zero masking key: the payload that follows it is sent as is (x XOR 0 = x).
 */
export function zeroMaskedHeader(opcode: number, length: number): Buffer {
  let header: Buffer;
  if (length <= 125) {
    header = Buffer.alloc(2);
    header[1] = 0x80 | length;
  } else if (length <= 0xffff) {
    header = Buffer.alloc(4);
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  header[0] = 0x80 | opcode;
  return Buffer.concat([header, Buffer.alloc(4)]);
}

/** A whole final client frame masked with the zero key. */
export function zeroMaskedFrame(opcode: number, payload: Buffer): Buffer {
  return Buffer.concat([zeroMaskedHeader(opcode, payload.length), payload]);
}

/** A frame from the server (servers never mask). */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Splits `data` into whole unmasked frames; `rest` is an incomplete tail. */
export function parseServerFrames(data: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let at = 0;
  for (;;) {
    if (data.length - at < 2) break;
    const opcode = data[at] & 0x0f;
    const masked = (data[at + 1] & 0x80) !== 0;
    let length = data[at + 1] & 0x7f;
    let headerLength = 2;
    if (length === 126) {
      if (data.length - at < 4) break;
      length = data.readUInt16BE(at + 2);
      headerLength = 4;
    } else if (length === 127) {
      if (data.length - at < 10) break;
      length = Number(data.readBigUInt64BE(at + 2));
      headerLength = 10;
    }
    if (masked) throw new Error('the server sent a masked frame');
    if (data.length - at < headerLength + length) break;
    frames.push({ opcode, payload: data.subarray(at + headerLength, at + headerLength + length) });
    at += headerLength + length;
  }
  return { frames, rest: data.subarray(at) };
}

/** Collects everything a socket receives (it starts reading) and resolves when it closes. */
export function collectUntilClosed(socket: Socket, already: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  const chunks: Buffer[] = [already];
  return new Promise((resolve) => {
    socket.on('error', () => undefined); // a reset shows up as the close below
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => resolve(Buffer.concat(chunks)));
    socket.resume();
  });
}

/** Writes `data` and resolves once it is handed to the kernel. */
export function writeAll(socket: Socket, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}
