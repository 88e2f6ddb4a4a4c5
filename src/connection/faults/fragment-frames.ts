// The frames of fragmented echoes framed by hand into one buffer, so that one write carries thousands of them.
//
// Handing each frame to `ws.send` costs a header Buffer, a corked two-buffer write and one `writev` system call (and
// a TCP segment of its own, ws sets no-delay): `?fragment=1` spent 6.2 µs of CPU per 1-byte frame, 61% of it in
// `writev` (node --cpu-prof), about 6.5 CPU-seconds per MiB echoed. Framed here (a server's frames are unmasked: 2 or
// 4 header bytes and the payload) and written once per batch, a frame costs a few header bytes and a copy.

/** Frames with at most this many payload bytes are framed by hand; larger ones go to `ws.send` (one copy less). */
export const HAND_FRAMED_MAX = 1024;

/**
 * The most one batch of frames holds, on the wire: at most this is written in one go (21,844 one-byte frames), and the
 * next batch waits until the socket has written it.
 */
export const FRAME_BATCH_BYTES = 64 * 1024;

const FIN = 0x80;
const OPCODE_CONTINUATION = 0x00;
const OPCODE_TEXT = 0x01;
const OPCODE_BINARY = 0x02;
/** The largest header of a frame of at most {@link HAND_FRAMED_MAX} bytes: 126 and a 16-bit length. */
const HEADER_MAX = 4;

// One batch is filled at a time, by one queue's pump, and taken before that pump returns: it can be shared.
let scratch: Buffer | undefined;
let used = 0;

/** Whether one more frame of `length` payload bytes fits in the batch being filled. */
export function frameFits(length: number): boolean {
  return used + HEADER_MAX + length <= FRAME_BATCH_BYTES;
}

/**
 * Adds the frame holding `data[start, end)` (at most {@link HAND_FRAMED_MAX} bytes) to the batch: the first frame of
 * a message says text or binary, the others are continuations; `fin` on the last.
 */
export function addFrame(data: Buffer, start: number, end: number, isBinary: boolean, fin: boolean): void {
  const buffer = (scratch ??= Buffer.allocUnsafeSlow(FRAME_BATCH_BYTES));
  const length = end - start;
  const opcode = start > 0 ? OPCODE_CONTINUATION : isBinary ? OPCODE_BINARY : OPCODE_TEXT;
  buffer[used] = fin ? FIN | opcode : opcode;
  if (length < 126) {
    buffer[used + 1] = length;
    used += 2;
  } else {
    buffer[used + 1] = 126;
    buffer.writeUInt16BE(length, used + 2);
    used += 4;
  }
  used += data.copy(buffer, used, start, end);
}

/** The frames added since the last take, in a Buffer of their own (the batch is filled again at once); or undefined. */
export function takeFrames(): Buffer | undefined {
  if (used === 0) return undefined;
  const frames = Buffer.allocUnsafe(used);
  (scratch as Buffer).copy(frames, 0, 0, used);
  used = 0;
  return frames;
}

/** Forgets the frames added since the last take (their connection ended while they were framed). */
export function dropFrames(): void {
  used = 0;
}
