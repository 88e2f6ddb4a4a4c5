// The small echoes of one read, framed by hand into one shared buffer and written to their socket in one piece.
//
// Handing each echo to `ws.send` costs a frame header Buffer, two stream writes and their queue
// entries, even when the socket is corked. For small messages that bookkeeping is most of the
// work: framing them here (a server's frames are unmasked: 2 or 4 header bytes and the payload)
// into one buffer and writing it once per read measured 1.3-1.5x the echoes per CPU-second of
// corking alone (64 B, 1 and 50 connections x 16 in flight). One batch is filled at a time (a
// read belongs to one socket); it is written on the next tick, or earlier when its owner writes
// anything else, so the bytes on the wire keep the order in which they were sent.

/**
 * Payloads up to this many bytes are batched; larger ones go to `ws.send` (copying them would cost more than it saves).
 */
export const BATCHED_PAYLOAD_MAX = 1024;

/** The most one batch holds before it is written: bounds what is held outside the socket's own queue. */
export const BATCH_BYTES_MAX = 64 * 1024;

/** Whoever owns the batch: gets its bytes to write. */
export interface BatchOwner {
  /** Writes a finished batch (a Buffer of its own) to the owner's socket. */
  writeBatch(frames: Buffer): void;
}

const FIN_TEXT = 0x81;
const FIN_BINARY = 0x82;

let scratch: Buffer | undefined;
let used = 0;
let owner: BatchOwner | undefined;
let flushScheduled = false;

/**
 * Adds one whole unmasked text or binary frame with `payload` (at most {@link BATCHED_PAYLOAD_MAX} bytes) to `to`'s
 * batch.
 */
export function addToBatch(to: BatchOwner, payload: Buffer, isBinary: boolean): void {
  const length = payload.length;
  if (owner !== to || used + 4 + length > BATCH_BYTES_MAX) {
    flushBatch();
    owner = to;
  }
  const buffer = (scratch ??= Buffer.allocUnsafeSlow(BATCH_BYTES_MAX));
  buffer[used] = isBinary ? FIN_BINARY : FIN_TEXT;
  if (length < 126) {
    buffer[used + 1] = length;
    used += 2;
  } else {
    buffer[used + 1] = 126;
    buffer.writeUInt16BE(length, used + 2);
    used += 4;
  }
  used += payload.copy(buffer, used);
  if (!flushScheduled) {
    flushScheduled = true;
    process.nextTick(flushScheduledBatch);
  }
}

/** Writes `of`'s batch now, if it has one: what `of` writes next must follow it. */
export function flushBatchOf(of: BatchOwner): void {
  if (owner === of) flushBatch();
}

/** Writes the batch being filled, in a Buffer of its own (the shared one is filled again at once). */
function flushBatch(): void {
  const to = owner;
  owner = undefined;
  if (to === undefined || used === 0) return;
  const frames = Buffer.allocUnsafe(used);
  (scratch as Buffer).copy(frames, 0, 0, used);
  used = 0;
  to.writeBatch(frames);
}

function flushScheduledBatch(): void {
  flushScheduled = false;
  flushBatch();
}
