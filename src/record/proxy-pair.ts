// One recorded connection: a client and its upstream, each message, ping and pong written and passed on, bounded.
import { clearTimeout, setTimeout } from 'node:timers';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { QUEUED_SEND_OVERHEAD } from '../connection/backpressure';
import { resetSocket, whenAcknowledged } from '../connection/faults/reset';
import { BACKPRESSURE_HIGH_WATER, DROP_LINGER_MS } from '../core/constants';
import { watchDataFrames } from '../internals/ws-frames';
import type { EndLine, MessageLine } from '../replay/transcript';
import type { TranscriptFile } from './transcript-file';
import { pairEnd, type PairEnd } from './pair-end';

export type { PairEnd } from './pair-end';

/** Close codes a close frame may carry on to the other side (RFC 6455 §7.4); others end it with 1000. */
const SENDABLE = (code: number): boolean => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 4999);

/**
 * What a ping or pong passed on counts against a side's unwritten bytes besides its payload (≤ 125 bytes): about what
 * ws holds for a queued frame, so a flood of empty pings is bounded like a flood of messages.
 */
export const CONTROL_FRAME_COST = 64;

/**
 * How the recorder closes a side whose frames ws refused (by its error code), and the reason sent to both sides and
 * written; any other refusal is a protocol error (1002).
 */
const REFUSED_FRAMES: Record<string, { code: number; reason: (maxPayload: number) => string }> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: {
    code: 1009,
    reason: (maxPayload) => `message larger than the recorder's max payload (${maxPayload} bytes)`,
  },
  WS_ERR_INVALID_UTF8: { code: 1007, reason: () => 'the recorder received invalid UTF-8 text' },
};

/** The close for a side ws refused with `error`. */
function refusedClose(error: NodeJS.ErrnoException, maxPayload: number): { code: number; reason: string } {
  const known = REFUSED_FRAMES[error.code ?? ''];
  if (known) return { code: known.code, reason: known.reason(maxPayload) };
  return { code: 1002, reason: `the recorder refused a frame: ${error.message}`.slice(0, 123) };
}

/** One direction of the pair: who sends (`c`: the client, `s`: the upstream server), and bytes still unwritten. */
interface Side {
  readonly from: 'c' | 's';
  readonly socket: WebSocket;
  readonly peer: WebSocket;
  /** Bytes passed to the peer and not yet written to its socket. */
  unwritten: number;
  /** A reset (ECONNRESET) was seen on this side's socket. */
  reset: boolean;
  /** The peer's TCP or TLS socket (a reset is passed on to it). */
  readonly peerSocket: Duplex;
  /** Runs once what this side sent is all written to the peer (a drop passed on waits for it). */
  whenWritten?: () => void;
  /** Payload bytes of each data frame of the message being read (ws bounds their number: maxFragments). */
  frames: number[];
  /** The message being read came compressed (its frame sizes are not the message's). */
  compressed: boolean;
  messages: number;
  bytes: number;
  /** ws refused this side's frames (a message over maxPayload...): how the recorder closed it. */
  refused?: { code: number; reason: string };
}

/** Told of each message as it passes (the recorder's totals). */
export type MessageTally = (from: 'c' | 's', bytes: number) => void;

/** A pair being proxied: its sides, the file, and the clock of its lines. */
interface Pair {
  readonly number: number;
  readonly file: TranscriptFile;
  readonly at: () => number;
  readonly tally: MessageTally;
}

/** A side for `socket`, sending on to `peer`. */
function sideOf(from: 'c' | 's', socket: WebSocket, peer: WebSocket, peerSocket: Duplex): Side {
  return {
    from,
    socket,
    peer,
    peerSocket,
    unwritten: 0,
    reset: false,
    frames: [],
    compressed: false,
    messages: 0,
    bytes: 0,
  };
}

/** Reads from `side` again if it was paused and nothing holds it any longer. */
function resumeIfDrained(side: Side, file: TranscriptFile): void {
  if (!side.socket.isPaused || file.congested || side.unwritten > BACKPRESSURE_HIGH_WATER) return;
  side.socket.resume();
}

/** Counts `cost` as unwritten for `side` until `send` calls its callback; pauses the side past the bounds. */
function passOn(pair: Pair, side: Side, cost: number, send: (done: () => void) => void): void {
  side.unwritten += cost;
  send(() => {
    side.unwritten -= cost;
    if (side.unwritten === 0) side.whenWritten?.();
    resumeIfDrained(side, pair.file);
  });
  if (side.unwritten > BACKPRESSURE_HIGH_WATER || pair.file.congested) {
    side.socket.pause();
    if (pair.file.congested) pair.file.whenDrained(() => resumeIfDrained(side, pair.file));
  }
}

/** Sends `data` to `peer` in the frames it came in (`frames`: their sizes), or whole. */
function sendFramed(
  peer: WebSocket,
  data: Buffer,
  binary: boolean,
  frames: number[] | undefined,
  done: () => void,
): void {
  if (frames === undefined) return peer.send(data, { binary }, done);
  let offset = 0;
  frames.forEach((size, index) => {
    const fin = index === frames.length - 1;
    peer.send(data.subarray(offset, offset + size), { binary, fin, compress: false }, fin ? done : undefined);
    offset += size;
  });
}

/** The frame sizes of the message `side` just read, if it came in several uncompressed frames adding up to `length`. */
function takeFrames(side: Side, length: number): number[] | undefined {
  const { frames, compressed } = side;
  side.frames = [];
  if (frames.length < 2 || compressed || frames.reduce((sum, size) => sum + size, 0) !== length) return undefined;
  return frames;
}

/** Writes and passes on each message, ping and pong `side` sends. */
function relay(pair: Pair, side: Side): void {
  const { number, file, at } = pair;
  side.socket.on('message', (data: Buffer, isBinary: boolean) => {
    const line: MessageLine = { c: number, from: side.from, t: at() };
    if (isBinary) line.binary = data.toString('base64');
    else line.text = data.toString();
    const frames = takeFrames(side, data.length);
    if (frames) line.frames = frames;
    file.write(line);
    side.messages++;
    side.bytes += data.length;
    pair.tally(side.from, data.length);
    if (side.peer.readyState !== WebSocket.OPEN) return;
    // Each frame sent on is a send ws queues: many empty fragments cost as many sends as as many messages.
    const cost = data.length + QUEUED_SEND_OVERHEAD * (frames?.length ?? 1);
    passOn(pair, side, cost, (done) => sendFramed(side.peer, data, isBinary, frames, done));
  });
  for (const kind of ['ping', 'pong'] as const)
    side.socket.on(kind, (data: Buffer) => {
      file.write({ c: number, from: side.from, t: at(), [kind]: data.toString('base64') } satisfies MessageLine);
      if (side.peer.readyState !== WebSocket.OPEN) return;
      passOn(pair, side, data.length + CONTROL_FRAME_COST, (done) => side.peer[kind](data, undefined, done));
    });
}

/**
 * Proxies `client` and `upstream` (over their TCP or TLS sockets; both made with `autoPong: false`) as connection
 * `number` of the transcript: every message, ping and pong is written as a line and sent on, a fragmented message in
 * its frames. Reading from a side stops while more than {@link BACKPRESSURE_HIGH_WATER} bytes it sent (each frame sent
 * on counting {@link QUEUED_SEND_OVERHEAD} more) wait unwritten for the other side, or while the transcript file is
 * congested; so a peer that never reads costs a bounded amount. A side whose message is over `maxPayload` is closed
 * 1009 by the recorder, and the other side too. A pair still open when `stopping()` (the recorder closes it) gets no
 * ending line. Resolves when both are closed, with how it ended.
 */
export function proxyPair(
  number: number,
  [client, upstream]: [WebSocket, WebSocket],
  [clientSocket, upstreamSocket]: [Duplex, Duplex],
  file: TranscriptFile,
  [tally, maxPayload]: [MessageTally, number],
  stopping: () => boolean,
): Promise<PairEnd> {
  const openedAt = performance.now();
  const pair: Pair = { number, file, tally, at: () => Math.round(performance.now() - openedAt) };
  const sides = [sideOf('c', client, upstream, upstreamSocket), sideOf('s', upstream, client, clientSocket)];
  let end: EndLine | 'stopped' | undefined;
  for (const side of sides) {
    watchDataFrames(side.socket, (size, _fin, compressed) => {
      side.frames.push(size);
      side.compressed = compressed;
    });
    relay(pair, side);
    // ws reports a reset as a close with 1006 and no error: its TCP socket says which it was.
    (side.from === 'c' ? clientSocket : upstreamSocket).on('error', (error: NodeJS.ErrnoException) => {
      side.reset ||= error.code === 'ECONNRESET';
    });
    side.socket.on('error', (error: NodeJS.ErrnoException) => (side.refused ??= refusedClose(error, maxPayload)));
    side.socket.on('close', (code: number, reason: Buffer) => {
      if (end) return;
      if (stopping()) return void (end = 'stopped'); // the recorder closes both sides itself
      const how = side.refused ?? { code, reason: reason.toString() };
      end = endLine(number, side, pair.at(), how.code, how.reason);
      file.write(end);
      passEndOn(side, how.code, how.reason);
    });
  }
  return Promise.all(sides.map(({ socket }) => closedOf(socket))).then(() => pairEnd(end!, sides, pair.at()));
}

/** The line for how `side` ended the connection. */
function endLine(c: number, side: Side, t: number, code: number, reason: string): EndLine {
  if (code !== 1006) return { c, event: 'close', by: side.from, t, code, reason };
  return { c, event: side.reset ? 'reset' : 'drop', by: side.from, t };
}

/** Ends the other side as this one ended: the same close code and reason, no close frame for a drop, a reset. */
function passEndOn(side: Side, code: number, reason: string): void {
  const { peer, peerSocket } = side;
  if (code === 1006) {
    // What this side sent before it went is written first, as a close frame would come after it; a peer that does
    // not read gets its end after DROP_LINGER_MS anyway. A reset also waits for the peer's TCP to acknowledge it.
    const end = side.reset ? () => whenAcknowledged(peerSocket, () => resetSocket(peerSocket)) : () => peer.terminate();
    if (side.unwritten === 0) return end();
    const timer = setTimeout(end, DROP_LINGER_MS);
    side.whenWritten = () => {
      clearTimeout(timer);
      end();
    };
    return;
  }
  if (peer.readyState === WebSocket.CLOSED) return;
  if (code === 1005) peer.close();
  else peer.close(SENDABLE(code) ? code : 1000, reason);
}

/** Resolves when `socket` has closed. */
function closedOf(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
