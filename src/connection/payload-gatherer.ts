// Gathers a frame payload that arrives over many reads into one buffer before ws's receiver sees it, and counts the
// reads.
import type WebSocket from 'ws';
import {
  checkedReceiverOf,
  payloadLengthOf,
  readsHeldBefore,
  replaceWrite,
  takeHeldReads,
  type ReceiverWrite,
  type WsReceiver,
} from '../internals/ws-receiver';

/*
 * ws's Receiver keeps every read in `_buffers` until a frame's payload is complete and takes them off with
 * `Array.prototype.shift()`, O(n) on a large array: a 256 KB payload sent one byte per TCP segment cost 20 s of CPU
 * and froze every other connection. It also copies the reads into a new buffer at the end, so a large payload is held
 * twice for a moment. What of the Receiver this module uses is in ../internals/ws-receiver.ts.
 */

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

/** Where a gatherer is kept on its receiver, once that receiver has had a payload to gather. */
const GATHERER = Symbol('payloadGatherer');

/** Where a receiver keeps what counts its reads (the connection's share of an event-loop turn). */
const READS = Symbol('readCounter');

/** Counts a connection's socket reads. */
export interface ReadCounter {
  countRead(): void;
}

type GatheringReceiver = WsReceiver & { [GATHERER]?: PayloadGatherer; [READS]: ReadCounter };

/** ws's own `Receiver.prototype.write` (the first receiver's: one copy of ws per process). */
let receiverWrite: ReceiverWrite | undefined;

/** Hands `chunk` to the receiver's own `write()`. */
function forward(receiver: WsReceiver, chunk: Buffer): boolean {
  return (receiverWrite as ReceiverWrite).call(receiver, chunk);
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
    // Not inside a payload, this read completes it, or it has come in few reads so far: ws parses it as it is.
    if (readsHeldBefore(this, chunk.length) < READS_BEFORE_GATHERING) return forward(this, chunk);
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

  constructor(private readonly receiver: WsReceiver) {}

  /** Whether a payload is being gathered now. */
  get gathering(): boolean {
    return this.gathered !== undefined;
  }

  /** Moves the part of the payload the receiver already holds into our buffer. */
  takeOver(): void {
    this.size = payloadLengthOf(this.receiver);
    this.filled = 0;
    const held = takeHeldReads(this.receiver);
    this.gathered = this.grown(Buffer.alloc(0), held.bytes);
    for (const buffer of held.reads) this.filled += buffer.copy(this.gathered, this.filled);
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
 * by itself) if the installed `ws` is not shaped as ../internals/ws-receiver.ts expects, and says so in a process
 * warning; test/internals/library-shapes.test.ts fails naming that file, and
 * test/connection/bounds/large-payloads.test.ts fails if this stops working.
 * Every read is also counted with `reads`, the connection's share of the event-loop turn.
 */
export function gatherPayloads(ws: WebSocket, reads: ReadCounter): void {
  const receiver = checkedReceiverOf(ws);
  if (receiver === undefined) return;
  receiverWrite ??= receiver.write as ReceiverWrite;
  // A receiver from another copy of ws has another write(): it is left as it is.
  if (receiver.write !== receiverWrite) return;
  (receiver as GatheringReceiver)[READS] = reads;
  replaceWrite(receiver as GatheringReceiver, gatheringWrite);
}
