// permessage-deflate payloads built and read by hand (RFC 7692 §7.2): raw DEFLATE, sync-flushed, the trailing 00 00 ff
// ff removed.
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Frame } from './frames';

/** The empty stored block a sync flush ends with, which RFC 7692 §7.2.1 removes from every message. */
export const SYNC_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** How to compress or decompress a message. */
export interface DeflateSettings {
  /** The LZ77 window, 8 to 15 bits (default 15). */
  windowBits?: number;
  /** What the sender compressed before (its context): back-references may reach into it. */
  previous?: Buffer;
}

/**
 * One message's payload as a permessage-deflate sender makes it (RFC 7692 §7.2.1): raw DEFLATE
 * ending in a sync flush, without its final 00 00 ff ff. With `previous`, the data may refer
 * back into it, as a sender that keeps its context does.
 */
export function compressMessage(payload: Buffer | string, settings: DeflateSettings = {}): Buffer {
  const compressed = deflateRawSync(typeof payload === 'string' ? Buffer.from(payload) : payload, {
    finishFlush: constants.Z_SYNC_FLUSH,
    windowBits: settings.windowBits ?? 15,
    ...(settings.previous ? { dictionary: settings.previous } : {}),
  });
  if (!compressed.subarray(-4).equals(SYNC_TAIL))
    throw new Error('a sync-flushed DEFLATE stream must end with 00 00 ff ff');
  return compressed.subarray(0, -4);
}

/**
 * Decompresses one message's payload (RFC 7692 §7.2.2: put back 00 00 ff ff, inflate); throws
 * on data this window and context cannot read. zlib serves a back-reference from its output
 * buffer without checking the window, so with `windowBits` the output comes in 64-byte
 * pieces: then a reference further back than the window is an error, as it should be.
 */
export function decompressMessage(payload: Buffer, settings: DeflateSettings = {}): Buffer {
  return inflateRawSync(Buffer.concat([payload, SYNC_TAIL]), {
    finishFlush: constants.Z_SYNC_FLUSH,
    windowBits: settings.windowBits ?? 15,
    ...(settings.windowBits ? { chunkSize: 64 } : {}),
    ...(settings.previous ? { dictionary: settings.previous } : {}),
  });
}

/** The message a server frame carries: decompressed if RSV1 says it is compressed. */
export function messageOf(frame: Frame, settings: DeflateSettings = {}): Buffer {
  return frame.rsv1 ? decompressMessage(frame.payload, settings) : frame.payload;
}

/** `length` bytes that do not compress (a fixed pseudo-random sequence from `seed`). */
export function noise(length: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/**
 * `count` × `period` bytes whose only redundancy is one 300-byte block that comes back every
 * `period` bytes: a window narrower than `period` cannot use it. Long enough to cross the
 * 16 KiB output pieces of a zlib stream, where a too-far reference is caught.
 */
export function repeatingEvery(period: number, count = 30): Buffer {
  const block = noise(300, 7);
  return Buffer.concat(
    Array.from({ length: count }, (_, i) => Buffer.concat([block, noise(period - block.length, 100 + i)])),
  );
}
