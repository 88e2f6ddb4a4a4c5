// RFC 6455 frame codec for raw-socket tests: builds frames exactly as told (however wrong) and parses a byte stream
// back into frames.
import { randomBytes } from 'node:crypto';

/** The opcodes RFC 6455 §5.2 defines; any other value is reserved. */
export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** The all-zero masking key: a frame masked with it carries its payload bytes as they are (x XOR 0 = x). */
export const ZERO_MASK: Buffer = Buffer.alloc(4);

/** A frame to build; everything but the opcode has the usual default (final, no RSV bits, masked, empty). */
export interface FrameSpec {
  opcode: number;
  /** Payload bytes; a string is sent as UTF-8. */
  payload?: Buffer | string;
  /** FIN bit (default true). */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /**
   * Mask the payload (default true, as a client must); a Buffer is the 4-byte key to use (e.g. {@link ZERO_MASK}), true
   * picks a random one.
   */
  mask?: boolean | Buffer;
}

/** A frame as parsed from the wire, payload already unmasked. */
export interface Frame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** A close frame's body: the status code (undefined for an empty body) and the reason bytes. */
export interface CloseBody {
  code: number | undefined;
  reason: Buffer;
}

/** The payload bytes of `payload` (strings as UTF-8). */
function toBytes(payload: Buffer | string | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

/** Length field of a frame header: 7 bits, or 126 + 16 bits, or 127 + 64 bits (RFC 6455 §5.2). */
function lengthField(length: number): { sevenBits: number; extended: Buffer } {
  if (length <= 125) return { sevenBits: length, extended: Buffer.alloc(0) };
  if (length <= 0xffff) {
    const extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
    return { sevenBits: 126, extended };
  }
  const extended = Buffer.alloc(8);
  extended.writeBigUInt64BE(BigInt(length));
  return { sevenBits: 127, extended };
}

/** XORs `data` with the 4-byte `key` into a new buffer (masking and unmasking are the same operation). */
export function applyMask(data: Buffer, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key[i & 3];
  return out;
}

/**
 * The header of a frame announcing `length` payload bytes, ending with the masking `key`
 * if one is given: the payload that follows must be masked with it by the caller (with
 * {@link ZERO_MASK} it is sent as it is). Useful to announce more than is ever sent.
 */
export function frameHeader(spec: Omit<FrameSpec, 'payload' | 'mask'>, length: number, key?: Buffer): Buffer {
  const first =
    ((spec.fin ?? true) ? 0x80 : 0) |
    (spec.rsv1 ? 0x40 : 0) |
    (spec.rsv2 ? 0x20 : 0) |
    (spec.rsv3 ? 0x10 : 0) |
    (spec.opcode & 0x0f);
  const { sevenBits, extended } = lengthField(length);
  const second = (key ? 0x80 : 0) | sevenBits;
  return Buffer.concat([Buffer.from([first, second]), extended, key ?? Buffer.alloc(0)]);
}

/** Builds one frame's bytes exactly as `spec` says, however wrong that is. */
export function buildFrame(spec: FrameSpec): Buffer {
  const payload = toBytes(spec.payload);
  const mask = spec.mask ?? true;
  const key = mask === false ? undefined : mask === true ? randomBytes(4) : mask;
  return Buffer.concat([frameHeader(spec, payload.length, key), key ? applyMask(payload, key) : payload]);
}

/** One message in `parts.length` fragments: an `opcode` frame, then continuations, the last one final. */
export function fragments(opcode: number, parts: Array<Buffer | string>): FrameSpec[] {
  return parts.map((payload, i) => ({
    opcode: i === 0 ? opcode : Opcode.continuation,
    fin: i === parts.length - 1,
    payload,
  }));
}

/** A close frame's body: a 2-byte status code followed by the reason (no code: an empty body). */
export function closePayload(code?: number, reason: Buffer | string = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, toBytes(reason)]);
}

/** Reads a close frame's body; throws on a 1-byte body, which no valid close frame has. */
export function parseClosePayload(payload: Buffer): CloseBody {
  if (payload.length === 0) return { code: undefined, reason: Buffer.alloc(0) };
  if (payload.length === 1) throw new Error('close frame with a 1-byte body');
  return { code: payload.readUInt16BE(0), reason: payload.subarray(2) };
}

/**
 * Turns a byte stream into frames, however the stream is cut into chunks. Chunks are
 * kept in a list and joined only once a whole frame is there, so big frames cost O(n).
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes and returns every frame completed by them, in order. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (let frame = this.next(); frame; frame = this.next()) frames.push(frame);
    return frames;
  }

  /** Bytes received that are not part of a whole frame yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private next(): Frame | undefined {
    const header = this.peek(Math.min(this.buffered, 14));
    if (header.length < 2) return undefined;
    const masked = (header[1] & 0x80) !== 0;
    const sevenBits = header[1] & 0x7f;
    const extendedBytes = sevenBits === 126 ? 2 : sevenBits === 127 ? 8 : 0;
    const headerLength = 2 + extendedBytes + (masked ? 4 : 0);
    if (header.length < headerLength) return undefined;
    const length =
      sevenBits === 126 ? header.readUInt16BE(2) : sevenBits === 127 ? Number(header.readBigUInt64BE(2)) : sevenBits;
    if (this.buffered < headerLength + length) return undefined;
    const bytes = this.take(headerLength + length);
    const body = bytes.subarray(headerLength);
    return {
      fin: (header[0] & 0x80) !== 0,
      rsv1: (header[0] & 0x40) !== 0,
      rsv2: (header[0] & 0x20) !== 0,
      rsv3: (header[0] & 0x10) !== 0,
      opcode: header[0] & 0x0f,
      masked,
      payload: masked ? applyMask(body, header.subarray(headerLength - 4, headerLength)) : body,
    };
  }

  /** The first `count` buffered bytes, joining leading chunks if needed (they stay buffered). */
  private peek(count: number): Buffer {
    if (this.chunks.length === 0) return Buffer.alloc(0);
    if (this.chunks[0].length < count) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, count);
  }

  /** Removes and returns the first `count` buffered bytes. */
  private take(count: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const rest = joined.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= count;
    return joined.subarray(0, count);
  }
}
