// A test's own messages (client.send()): as bytes for the fault queue, or written through ws in the frames asked for.
import type WebSocket from 'ws';
import type { OutgoingData } from '../core/client-types';

/**
 * `data` as a Buffer: a string encoded, bytes viewed, not copied (as `ws.send` does not copy them either: a broadcast
 * shares one buffer among all its clients, queued or not).
 */
export function bytesOf(data: OutgoingData): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Writes `data` as one message in frames of exactly `frames` payload bytes (they add up to its length), with ws's
 * public continuation API: ws keeps them in order, and with permessage-deflate compresses each with the message's
 * context.
 */
export function sendInFrames(ws: WebSocket, data: Buffer, isBinary: boolean, frames: readonly number[]): void {
  let at = 0;
  const last = frames.length - 1;
  for (let i = 0; i <= last; i++) {
    const end = at + frames[i];
    ws.send(data.subarray(at, end), { binary: isBinary, fin: i === last, compress: true });
    at = end;
  }
}
