// ws's Receiver (lib/receiver.js), the frame parser behind each WebSocket: one declaration of what we read and write.
import type WebSocket from 'ws';
import { CHECKED_ON, fieldFailures, type Shape } from './shape-check';

const FILE = 'src/internals/ws-receiver.ts';
const ON = CHECKED_ON.ws;

/**
 * The behaviour the payload gatherer reads the receiver's fields by: while a binary frame's payload is awaited,
 * `_state` is 4 (GET_DATA), `_opcode` 2, `_payloadLength` and `_totalPayloadLength` the announced length, and
 * `_buffers` / `_bufferedBytes` what has arrived of it.
 */
export const AWAITING_PAYLOAD =
  'while a payload is awaited, _state is 4 and _payloadLength, _bufferedBytes, _buffers, _opcode say how far';
/** The behaviour a replaced `write` relies on: ws's socket 'data' listener calls `receiver.write` on the instance. */
export const READS_THROUGH_WRITE = "every socket read goes to the 'write' method found on the receiver instance";

/** What the guard test and the runtime check hold this file to. */
export const RECEIVER_SHAPES: readonly Shape[] = [
  { file: FILE, object: 'WebSocket', member: '_receiver', kind: 'object', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: '_buffers', kind: 'array', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: '_bufferedBytes', kind: 'number', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: '_payloadLength', kind: 'number', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: '_state', kind: 'number', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: '_opcode', kind: 'number', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: '_totalPayloadLength', kind: 'number', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: 'write', kind: 'function', checkedOn: ON },
  {
    file: FILE,
    object: 'Receiver',
    member: '(our read counter and payload gatherer)',
    kind: 'extensible',
    checkedOn: ON,
  },
  { file: FILE, object: 'Receiver', member: AWAITING_PAYLOAD, kind: 'behaviour', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: READS_THROUGH_WRITE, kind: 'behaviour', checkedOn: ON },
];

/**
 * A Receiver as ws-echo sees it. Public: `write` (a Writable's, which ws's socket listener calls for each read: the
 * payload gatherer replaces it on the instance) and `errored` (the error that failed the connection, with ws's
 * `code`). The private fields are read only through the functions below.
 */
export interface WsReceiver {
  write(chunk: Buffer): boolean;
  readonly errored: (Error & { code?: string }) | null;
}

/** The private fields of ws 8.23's Receiver that are read or written here, and why. */
interface ReceiverFields extends WsReceiver {
  /** Parser state; GET_DATA while it waits for a frame's payload. */
  _state: number;
  /** The frame's announced payload length. */
  _payloadLength: number;
  /** The reads held until the payload is complete, and their total. ws has no API to take them. */
  _buffers: Buffer[];
  _bufferedBytes: number;
  /** The frame's opcode (8: a close frame), for the close reason. */
  _opcode: number;
  /** The message's length so far, for the "message too big" close reason. */
  _totalPayloadLength: number;
}

/** `Receiver`'s state while it waits for a frame's payload (GET_DATA in receiver.js). */
const GET_DATA = 4;

/** The receiver behind `ws` (ws's `_receiver`), unchecked; undefined if ws keeps none there. */
export function receiverOf(ws: WebSocket): WsReceiver | undefined {
  const receiver = (ws as unknown as { _receiver?: WsReceiver | null })._receiver;
  return receiver ?? undefined;
}

/**
 * How many reads of an unfinished frame payload `receiver` holds, if a read of `chunkLength` bytes would not finish
 * it; 0 when it is not waiting inside a payload or the read completes it. One call per socket read.
 */
export function readsHeldBefore(receiver: WsReceiver, chunkLength: number): number {
  const r = receiver as ReceiverFields;
  if (r._bufferedBytes === 0 || r._state !== GET_DATA || chunkLength >= r._payloadLength - r._bufferedBytes) return 0;
  return r._buffers.length;
}

/** The announced length of the frame payload `receiver` is waiting for. */
export function payloadLengthOf(receiver: WsReceiver): number {
  return (receiver as ReceiverFields)._payloadLength;
}

/** Takes the reads `receiver` holds of the payload it waits for (it holds none after), and their total length. */
export function takeHeldReads(receiver: WsReceiver): { reads: Buffer[]; bytes: number } {
  const r = receiver as ReceiverFields;
  const held = { reads: r._buffers, bytes: r._bufferedBytes };
  r._buffers = [];
  r._bufferedBytes = 0;
  return held;
}

/** The length of the message `receiver` was reading so far, or undefined if ws no longer says. */
export function messageLengthSoFar(receiver: WsReceiver): number | undefined {
  const size = (receiver as Partial<ReceiverFields>)._totalPayloadLength;
  return typeof size === 'number' ? size : undefined;
}

/** Whether the frame `receiver` was reading is a close frame. */
export function readingCloseFrame(receiver: WsReceiver): boolean {
  return (receiver as Partial<ReceiverFields>)._opcode === 0x8;
}

/** The code of the process warning a receiver of another shape emits. */
export const WARNING_CODE = 'WS_ECHO_INTERNALS';

/** Each kind of receiver seen (its prototype; {@link NO_RECEIVER} for none): whether it passed the shape check. */
const verdicts = new WeakMap<object, boolean>();
const NO_RECEIVER = {};

/**
 * The receiver behind `ws` if it has every field and method {@link RECEIVER_SHAPES} lists, or undefined. A receiver
 * that does not is left alone, so a running server keeps working as plain ws would, but not silently: the first such
 * receiver of each kind emits a process warning naming this file. One check per kind of receiver, not per connection.
 */
export function checkedReceiverOf(ws: WebSocket): WsReceiver | undefined {
  const receiver = receiverOf(ws);
  const kind =
    receiver === undefined ? NO_RECEIVER : ((Object.getPrototypeOf(receiver) as object | null) ?? NO_RECEIVER);
  const verdict = verdicts.get(kind);
  if (verdict !== undefined) return verdict ? receiver : undefined;
  const failures =
    receiver === undefined
      ? fieldFailures(RECEIVER_SHAPES, 'WebSocket', ws)
      : fieldFailures(RECEIVER_SHAPES, 'Receiver', receiver);
  verdicts.set(kind, failures.length === 0);
  if (failures.length === 0) return receiver;
  process.emitWarning(`${failures.join('; ')}. Slow reads are now parsed by ws alone.`, { code: WARNING_CODE });
  return undefined;
}

/** A receiver's `write`: ws's own, or the one that replaces it. */
export type ReceiverWrite = (this: WsReceiver, chunk: Buffer) => boolean;

/** Replaces `write` on this one `receiver` (ws calls it for every socket read); returns the one it replaced. */
export function replaceWrite<R extends WsReceiver>(
  receiver: R,
  write: (this: R, chunk: Buffer) => boolean,
): ReceiverWrite {
  const own = receiver.write as ReceiverWrite;
  receiver.write = write;
  return own;
}
