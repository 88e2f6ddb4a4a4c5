// ws's PerMessageDeflate (lib/permessage-deflate.js) as it inflates a connection's frames: each frame seen as it starts
// and ends, on the zlib stream that inflates it, so that inflation can be paused and take turns.
import type { Transform } from 'node:stream';
import type WebSocket from 'ws';
import { CHECKED_ON, type Shape } from './shape-check';

const FILE = 'src/internals/ws-inflate.ts';

/**
 * The behaviour relied on: ws inflates every compressed frame by calling `decompress(data, fin, callback)` (which
 * waits for one of ws's zlib slots, then calls `_decompress(data, fin, callback)`) on the connection's
 * PerMessageDeflate (found on the instance, in `ws._extensions`). That leaves the zlib stream it writes to in
 * `_inflate`, reads it with 'data' listeners, calls `flush(cb)` on that instance, in `cb` takes what the stream
 * emitted, then calls `callback`. Pausing the stream holds the frame's inflation once its buffer is full; a frame with
 * less than a buffer left finishes while paused, so ws's `cb` must wait until what the stream holds has been emitted:
 * hence `flush` is routed through the watcher. Each message sent compressed goes through `_compress(data, fin, cb)`.
 */
export const INFLATES_THROUGH_DECOMPRESS =
  "each compressed frame is inflated by the 'decompress' then '_decompress' found on the connection's " +
  "PerMessageDeflate, on the zlib stream it leaves in '_inflate', whose 'flush' it calls on the instance; pausing " +
  "that stream holds the inflation; each message sent compressed goes through its '_compress'";

/** What the guard test holds this file to. */
export const INFLATE_SHAPES: readonly Shape[] = [
  { file: FILE, object: 'WebSocket', member: '_extensions', kind: 'object', checkedOn: CHECKED_ON.ws },
  { file: FILE, object: 'ws', member: INFLATES_THROUGH_DECOMPRESS, kind: 'behaviour', checkedOn: CHECKED_ON.ws },
];

/** Told of each compressed frame a connection inflates. */
export interface InflationWatcher {
  /**
   * Whether a frame may start inflating now (before it waits for one of ws's zlib slots); if not, see `startLater`.
   * `freshStream`: ws will make a new zlib stream for it (the connection's first compressed frame, or the first after
   * the client ended a stream), and that frame cannot be paused. `compressedBytes`: the frame's payload.
   */
  admit(freshStream: boolean, compressedBytes: number): boolean;
  /** The frame `admit()` held back: the watcher calls `start` once it may start. */
  startLater(start: () => void): void;
  /**
   * A frame starts inflating on `stream` (the same stream for every frame, until ws makes a new one). Only if
   * `pausable` may the watcher pause the stream: then ws reads the frame's output when the watcher calls `finished`.
   */
  frameStarted(stream: Transform, pausable: boolean): void;
  /**
   * zlib has inflated all of a frame on a pausable stream; ws takes what the stream emitted when `done` is called, so a
   * paused stream must be resumed, and what it holds emitted, first.
   */
  inflationDone(done: () => void): void;
  /**
   * That frame is inflated, or failed; `fin`: it was its message's last frame. (A stream closed mid-frame, when the
   * connection ends, emits 'close'.)
   */
  frameEnded(fin: boolean): void;
  /** A message this connection sends (an echo) has been compressed, or its compression failed. */
  compressed(): void;
}

type Decompress = (data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void) => void;

/** ws 8.23's PerMessageDeflate, as far as it is used here. */
interface PerMessageDeflateFields {
  decompress: Decompress;
  _decompress: Decompress;
  _compress: Decompress;
  _inflate: (Transform & { flush(callback: () => void): void }) | null;
}

/** The connection's PerMessageDeflate, if it negotiated compression and ws keeps it where 8.23 does. */
function perMessageDeflateOf(ws: WebSocket): PerMessageDeflateFields | undefined {
  const extensions = (ws as unknown as { _extensions?: Record<string, unknown> })._extensions;
  const extension = extensions?.['permessage-deflate'] as Partial<PerMessageDeflateFields> | undefined;
  return typeof extension?._decompress === 'function' &&
    typeof extension.decompress === 'function' &&
    typeof extension._compress === 'function'
    ? (extension as PerMessageDeflateFields)
    : undefined;
}

/** From now on, ws's `flush(callback)` on this inflate stream (one per frame) reaches ws through the watcher. */
function routeFlush(stream: NonNullable<PerMessageDeflateFields['_inflate']>, watcher: InflationWatcher): void {
  const flush = stream.flush;
  stream.flush = (callback: () => void): void => flush.call(stream, () => watcher.inflationDone(callback));
}

/** Replaces `decompress` and `_decompress` on `extension`: each frame admitted, started and ended through `watcher`. */
function watchFrames(extension: PerMessageDeflateFields, watcher: InflationWatcher): void {
  const admitted = extension.decompress;
  extension.decompress = function (this: PerMessageDeflateFields, data, fin, callback): void {
    if (watcher.admit(this._inflate === null, data.length)) admitted.call(this, data, fin, callback);
    else watcher.startLater(() => admitted.call(this, data, fin, callback));
  };
  const own = extension._decompress;
  extension._decompress = function (this: PerMessageDeflateFields, data, fin, callback): void {
    const fresh = this._inflate === null;
    own.call(this, data, fin, (error, result) => {
      watcher.frameEnded(fin);
      callback(error, result);
    });
    const stream = this._inflate;
    if (stream === null) return;
    if (fresh) routeFlush(stream, watcher);
    watcher.frameStarted(stream, !fresh);
  };
}

/**
 * Asks `watcher` before each compressed frame `ws` inflates, and tells it of every frame inflated and message
 * compressed, from now on, by replacing `decompress`, `_decompress` and `_compress` on this connection's
 * PerMessageDeflate, and `flush` on each of its inflate streams (a closure per compressed frame or message, only on
 * connections that negotiated compression). Returns false, changing nothing, when the connection has no compression
 * or ws no longer keeps it so.
 */
export function watchInflation(ws: WebSocket, watcher: InflationWatcher): boolean {
  const extension = perMessageDeflateOf(ws);
  if (extension === undefined) return false;
  watchFrames(extension, watcher);
  const ownCompress = extension._compress;
  extension._compress = function (this: PerMessageDeflateFields, data, fin, callback): void {
    ownCompress.call(this, data, fin, (error, result) => {
      watcher.compressed();
      callback(error, result);
    });
  };
  return true;
}
