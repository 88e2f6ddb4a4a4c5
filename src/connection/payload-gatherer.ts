// Gathers a frame payload that arrives over many reads into one buffer before ws's receiver sees it, and counts the
// reads.
import type WebSocket from 'ws';

/**
 * What this module uses of `ws` 8.23's `Receiver` (lib/receiver.js), which has no public API for
 * it. The receiver keeps every read in `_buffers` until a frame's payload is complete and takes
 * them off with `Array.prototype.shift()`, O(n) on a large array: a 256 KB payload sent one byte
 * per TCP segment cost 20 s of CPU and froze every other connection. It also copies the reads
 * into a new buffer at the end, so a large payload is held twice for a moment.
 */
interface ReceiverInternals {
  write(chunk: Buffer): boolean;
  readonly errored: Error | null;
  _state: number;
  _payloadLength: number;
  _bufferedBytes: number;
  _buffers: Buffer[];
}

/** `Receiver`'s state while it waits for a frame's payload (GET_DATA in receiver.js). */
const GET_DATA = 4;
/**
 * A payload is gathered here only once the receiver holds this many reads of it: a payload that
 * comes in a few large reads (a 1 MiB message in 64 KiB reads) costs ws one copy and nothing
 * more, as it would without this module, and the copy leaves it in the cache for unmasking.
 */
const READS_BEFORE_GATHERING = 32;
/** The first buffer for a payload is at least this large (one socket read). */
const FIRST_CAPACITY = 64 * 1024;
/**
 * A buffer of the whole announced payload is allocated once this share of it has arrived;
 * before that the buffer doubles. So a client that announces 100 MiB and sends 1 KB makes the
 * server reserve 64 KiB, not 100 MiB, and a large payload is copied about 1.2 times, not twice.
 */
const WHOLE_PAYLOAD_SHARE = 1 / 8;

/** Whether `receiver` still has the fields and shape this module relies on. */
function looksLikeWs823(receiver: Partial<ReceiverInternals> | undefined): receiver is ReceiverInternals {
  return (
    receiver !== undefined &&
    Array.isArray(receiver._buffers) &&
    typeof receiver._bufferedBytes === 'number' &&
    typeof receiver._payloadLength === 'number' &&
    typeof receiver._state === 'number' &&
    typeof receiver.write === 'function'
  );
}

/** Where a gatherer is kept on its receiver, once that receiver has had a payload to gather. */
const GATHERER = Symbol('payloadGatherer');

/** Where a receiver keeps what counts its reads (the connection's share of an event-loop turn). */
const READS = Symbol('readCounter');

/** Counts a connection's socket reads. */
export interface ReadCounter {
  countRead(): void;
}

type GatheringReceiver = ReceiverInternals & { [GATHERER]?: PayloadGatherer; [READS]: ReadCounter };

/** ws's own `Receiver.prototype.write` (the first receiver's: one copy of ws per process). */
let receiverWrite: ReceiverInternals['write'] | undefined;

/** Hands `chunk` to the receiver's own `write()`. */
function forward(receiver: ReceiverInternals, chunk: Buffer): boolean {
  return (receiverWrite as ReceiverInternals['write']).call(receiver, chunk);
}

/**
 * Every gathering receiver's `write()`, one function for all (the socket calls it as
 * `receiver.write(chunk)`): a read that does not complete the payload the receiver is waiting
 * for, once the receiver holds {@link READS_BEFORE_GATHERING} reads of it, goes to the
 * receiver's {@link PayloadGatherer}, made the first time one is needed. Reads that need no
 * waiting (whole frames, the common case) and the first reads of a payload pass straight
 * through: one check per read, nothing per message, and an idle connection holds nothing of
 * this module.
 */
function gatheringWrite(this: GatheringReceiver, chunk: Buffer): boolean {
  this[READS].countRead();
  let gatherer = this[GATHERER];
  if (gatherer === undefined || !gatherer.gathering) {
    const missing = this._payloadLength - this._bufferedBytes;
    // Not inside a payload, this read completes it, or it has come in few reads so far: ws parses it as it is.
    if (
      this._bufferedBytes === 0 ||
      this._state !== GET_DATA ||
      chunk.length >= missing ||
      this._buffers.length < READS_BEFORE_GATHERING
    ) {
      return forward(this, chunk);
    }
    gatherer ??= this[GATHERER] = new PayloadGatherer(this);
    gatherer.takeOver();
  }
  return gatherer.add(chunk);
}

/**
 * Gathers the payloads of one receiver: while one is gathered, its reads are copied into one
 * growing buffer, which goes to the receiver as a single chunk once the payload is whole.
 */
class PayloadGatherer {
  /** The payload gathered so far, or undefined when the receiver is not waiting for one. */
  private gathered: Buffer | undefined;
  private filled = 0;
  /** Bytes of the payload being gathered (its announced length). */
  private size = 0;

  constructor(private readonly receiver: ReceiverInternals) {}

  /** Whether a payload is being gathered now. */
  get gathering(): boolean {
    return this.gathered !== undefined;
  }

  /** Moves the part of the payload the receiver already holds into our buffer. */
  takeOver(): void {
    const receiver = this.receiver;
    this.size = receiver._payloadLength;
    this.filled = 0;
    this.gathered = this.grown(Buffer.alloc(0), receiver._bufferedBytes);
    for (const buffer of receiver._buffers) this.filled += buffer.copy(this.gathered, this.filled);
    receiver._buffers = [];
    receiver._bufferedBytes = 0;
  }

  /** Takes one read of the payload being gathered; false asks the socket to pause, as `Receiver.write()` would. */
  add(chunk: Buffer): boolean {
    let gathered = this.gathered as Buffer;
    const room = this.size - this.filled;
    if (chunk.length < room) {
      if (this.filled + chunk.length > gathered.length)
        gathered = this.gathered = this.grown(gathered, this.filled + chunk.length);
      this.filled += chunk.copy(gathered, this.filled);
      return true;
    }
    // The payload is complete: the receiver gets it whole (and hands it on without copying), then the rest of the read.
    if (gathered.length < this.size) gathered = this.grown(gathered, this.size);
    chunk.copy(gathered, this.filled, 0, room);
    this.gathered = undefined;
    const flowing = forward(this.receiver, gathered);
    if (room === chunk.length || this.receiver.errored) return flowing;
    return forward(this.receiver, chunk.subarray(room));
  }

  /** A larger buffer holding the `filled` bytes of `current`, with room for at least `needed` bytes. */
  private grown(current: Buffer, needed: number): Buffer {
    let capacity = Math.min(this.size, Math.max(FIRST_CAPACITY, 2 * current.length, needed));
    if (capacity >= this.size * WHOLE_PAYLOAD_SHARE) capacity = this.size;
    const next = Buffer.allocUnsafe(capacity);
    current.copy(next, 0, 0, this.filled);
    return next;
  }
}

/**
 * Makes `ws`'s receiving cost linear in the bytes of a message however small its reads, and
 * keeps one copy of a large payload that arrives in many reads instead of two. Does nothing (ws behaves as it does
 * by itself) if the installed `ws` is not shaped as this module expects; package.json pins ws to 8.23.x, and
 * test/connection/bounds/large-payloads.test.ts fails if this stops working.
 * Every read is also counted with `reads`, the connection's share of the event-loop turn.
 */
export function gatherPayloads(ws: WebSocket, reads: ReadCounter): void {
  const receiver = (ws as unknown as { _receiver?: Partial<ReceiverInternals> })._receiver;
  if (!looksLikeWs823(receiver)) return;
  receiverWrite ??= receiver.write;
  // A receiver from another copy of ws has another write(): it is left as it is.
  if (receiver.write !== receiverWrite) return;
  (receiver as GatheringReceiver)[READS] = reads;
  receiver.write = gatheringWrite;
}
