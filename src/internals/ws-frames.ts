// ws's Receiver (lib/receiver.js) as it reads each frame's header: the recorder's per-frame hook (fragment sizes).
import type WebSocket from 'ws';
import { CHECKED_ON, type Shape } from './shape-check';

const FILE = 'src/internals/ws-frames.ts';
const ON = CHECKED_ON.ws;

/**
 * The behaviour relied on: once a frame's header and payload length are read, ws calls `haveLength(cb)` found on the
 * Receiver instance, exactly once per frame, with `_opcode` (0 for a continuation), `_fin`, `_payloadLength` and
 * `_compressed` (RSV1 of the message's first frame) set for that frame; a message's frames all pass there before its
 * 'message' event.
 */
export const FRAME_HEADERS_THROUGH_HAVE_LENGTH =
  "every frame's header reaches the 'haveLength' found on the Receiver instance once, with _opcode, _fin, " +
  '_payloadLength and _compressed set for it, before its message is emitted';

/** What the guard test holds this file to. */
export const FRAME_SHAPES: readonly Shape[] = [
  { file: FILE, object: 'Receiver', member: 'haveLength', kind: 'function', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: '_fin', kind: 'boolean', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: '_compressed', kind: 'boolean', checkedOn: ON },
  { file: FILE, object: 'Receiver', member: FRAME_HEADERS_THROUGH_HAVE_LENGTH, kind: 'behaviour', checkedOn: ON },
];

/** Told of each data frame (text, binary, continuation) a socket reads, as its header is read. */
export type FrameListener = (payloadLength: number, fin: boolean, compressed: boolean) => void;

/** ws 8.23's Receiver, as far as it is used here. */
interface ReceiverFields {
  haveLength(cb: unknown): void;
  _opcode: number;
  _fin: boolean;
  _payloadLength: number;
  _compressed: boolean;
}

/**
 * Calls `listener` for every data frame `ws` reads from now on (control frames are not data frames), by replacing
 * `haveLength` on this one socket's Receiver: a closure per socket, nothing for any other. Returns false, changing
 * nothing, when ws keeps no Receiver of that shape (then no frame is reported).
 */
export function watchDataFrames(ws: WebSocket, listener: FrameListener): boolean {
  const receiver = (ws as unknown as { _receiver?: Partial<ReceiverFields> | null })._receiver;
  if (typeof receiver?.haveLength !== 'function' || typeof receiver._fin !== 'boolean') return false;
  const own = receiver.haveLength;
  receiver.haveLength = function (this: ReceiverFields, cb: unknown): void {
    if (this._opcode < 0x08) listener(this._payloadLength, this._fin, this._compressed);
    own.call(this, cb);
  };
  return true;
}
