// A connection that never sends a byte (after its TLS handshake with TLS) is closed after the handshake timeout, on
// the server and on the recorder (the listener they share); one that has begun a request keeps its 408.
import { once } from 'node:events';
import { connect as tlsConnect } from 'node:tls';
import type { Socket } from 'node:net';
import { startEchoServer, startRecorder } from '../../src';
import { useTestCert } from '../helpers/tls-cert';
import { openTcp } from '../helpers/wire/raw-http';
import { scratchFile } from '../helpers/upstream/conversation';

const testCert = useTestCert();

/** Resolves with what `socket` received once it closed; rejects if it is still open after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<string> {
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

/**
 * What a connection that sends nothing got when it closed, opened beside one dripping a request a byte at a time
 * (Node's own check of unfinished requests then leaves the silent one open).
 */
async function silentBesideDrip(port: number): Promise<string> {
  const drip = await openTcp(port);
  drip.on('error', () => undefined);
  const request = 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n';
  let sent = 0;
  const timer = setInterval(() => drip.writable && drip.write(request[sent++ % request.length]), 100);
  try {
    return await closedWithin(await openTcp(port), 5000);
  } finally {
    clearInterval(timer);
    drip.destroy();
  }
}

describe('a connection that sends nothing', () => {
  it.each([
    ['HTTP/1.1 only', false],
    ['h2c beside HTTP/1.1', true],
  ])('is closed by the server (%s) after the handshake timeout, with no answer', async (_name, h2) => {
    const server = await startEchoServer({ port: 0, handshakeTimeout: 0.5, h2 });
    try {
      expect(await silentBesideDrip(server.port)).toBe('');
    } finally {
      await server.close();
    }
  });

  it('is closed by a TLS server after its TLS handshake and the handshake timeout', async () => {
    const tls = { cert: testCert().cert, key: testCert().key };
    const server = await startEchoServer({ port: 0, handshakeTimeout: 0.5, tls });
    try {
      const socket = tlsConnect({ port: server.port, host: '127.0.0.1', rejectUnauthorized: false });
      await once(socket, 'secureConnect');
      expect(await closedWithin(socket, 5000)).toBe('');
    } finally {
      await server.close();
    }
  });

  it('is closed by the recorder after the handshake timeout', async () => {
    const recorder = await startRecorder({
      target: 'ws://127.0.0.1:1',
      out: scratchFile('silent.jsonl'),
      port: 0,
      handshakeTimeout: 0.5,
    });
    try {
      expect(await silentBesideDrip(recorder.port)).toBe('');
    } finally {
      await recorder.close();
    }
  });

  it('is still answered 408 when it began a request and stalled', async () => {
    const server = await startEchoServer({ port: 0, handshakeTimeout: 0.5 });
    try {
      const socket = await openTcp(server.port);
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
      expect(await closedWithin(socket, 5000)).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await server.close();
    }
  });
});
