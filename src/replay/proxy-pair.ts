// One recorded connection: a client and its upstream, each message written to the transcript and passed on, bounded.
import { clearTimeout, setTimeout } from 'node:timers';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { resetSocket, whenAcknowledged } from '../connection/faults/reset';
import { BACKPRESSURE_HIGH_WATER, DROP_LINGER_MS } from '../core/constants';
import type { EndLine, MessageLine } from './transcript';
import type { TranscriptFile } from './transcript-file';

/** Close codes a close frame may carry on to the other side (RFC 6455 §7.4); others end it with 1000. */
const SENDABLE = (code: number): boolean => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 4999);

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
}

/**
 * Proxies `client` and `upstream` (over their TCP or TLS sockets) as connection `number` of the transcript: every
 * message is written as a line and sent on. Reading from a side stops while more than
 * {@link BACKPRESSURE_HIGH_WATER} bytes it sent wait unwritten for the other side, or while the transcript file is
 * congested; so a peer that never reads costs a bounded amount. Resolves when both are closed.
 */
export function proxyPair(
  number: number,
  [client, upstream]: [WebSocket, WebSocket],
  [clientSocket, upstreamSocket]: [Duplex, Duplex],
  file: TranscriptFile,
): Promise<void> {
  const openedAt = performance.now();
  const at = (): number => Math.round(performance.now() - openedAt);
  const sides: Side[] = [
    { from: 'c', socket: client, peer: upstream, peerSocket: upstreamSocket, unwritten: 0, reset: false },
    { from: 's', socket: upstream, peer: client, peerSocket: clientSocket, unwritten: 0, reset: false },
  ];
  let ended = false;
  const resumeIfDrained = (side: Side): void => {
    if (!side.socket.isPaused || file.congested || side.unwritten > BACKPRESSURE_HIGH_WATER) return;
    side.socket.resume();
  };
  for (const side of sides) {
    side.socket.on('message', (data: Buffer, isBinary: boolean) => {
      const line: MessageLine = { c: number, from: side.from, t: at() };
      if (isBinary) line.binary = data.toString('base64');
      else line.text = data.toString();
      file.write(line);
      if (side.peer.readyState !== WebSocket.OPEN) return;
      side.unwritten += data.length;
      side.peer.send(data, { binary: isBinary }, () => {
        side.unwritten -= data.length;
        if (side.unwritten === 0) side.whenWritten?.();
        resumeIfDrained(side);
      });
      if (side.unwritten > BACKPRESSURE_HIGH_WATER || file.congested) {
        side.socket.pause();
        if (file.congested) file.whenDrained(() => resumeIfDrained(side));
      }
    });
    // ws reports a reset as a close with 1006 and no error: its TCP socket says which it was.
    (side.from === 'c' ? clientSocket : upstreamSocket).on('error', (error: NodeJS.ErrnoException) => {
      side.reset ||= error.code === 'ECONNRESET';
    });
    side.socket.on('error', () => undefined);
    side.socket.on('close', (code: number, reason: Buffer) => {
      if (ended) return;
      ended = true;
      file.write(endLine(number, side, at(), code, reason.toString()));
      passEndOn(side, code, reason.toString());
    });
  }
  return Promise.all(sides.map(({ socket }) => closedOf(socket))).then(() => undefined);
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
