// Keeps every accepted socket within the open-file budget, closing the oldest pending handshake first.
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { tcpSocketOf } from '../internals/node-tls';
import { socketsAllowedByFdLimit } from './fd-limit';
import type { Refusals } from './refusals';

/** What the guard needs to hear about the sockets it counts, and what it tracks. */
export interface DescriptorGuard {
  /** `socket` became a WebSocket: it still counts, but is no longer a pending handshake to close. */
  upgraded(socket: Duplex): void;
  /**
   * Every accepted socket not closed yet and not a WebSocket, oldest first: a shutdown must not
   * wait on a half-done TLS handshake. (WebSockets are the connection set's to end.)
   */
  readonly pending: ReadonlySet<Socket>;
}

/**
 * Tracks every socket `server` accepts until it closes or becomes a WebSocket, and counts
 * them against what the open-file limit `fdLimit` allows ({@link socketsAllowedByFdLimit}).
 * Idle connections that never finish a handshake would otherwise use up every descriptor,
 * and libuv answers an accept that fails with EMFILE by closing the new connection with no
 * word: no 503, no log line, no count. Instead, a socket over the budget makes room by closing
 * the oldest socket that is not a WebSocket, logged and counted as refused. An idle WebSocket
 * costs nothing here but a count: no Set entry, and one 'close' listener shared by all
 * sockets (a third 'close' listener would grow a socket's listener array to 176 B).
 */
export function guardDescriptors(server: Server, fdLimit: number | undefined, refusals: Refusals): DescriptorGuard {
  const budget = socketsAllowedByFdLimit(fdLimit);
  // Insertion order is age order: the first entry is the oldest pending socket.
  const pending = new Set<Socket>();
  let open = 0;
  const reason = `open-file limit reached (ulimit -n ${fdLimit}): the oldest pending handshake was closed unanswered`;
  function forget(this: Socket): void {
    open--;
    pending.delete(this);
  }
  server.on('connection', (socket: Socket) => {
    open++;
    pending.add(socket);
    socket.on('close', forget); // 'close' comes once
    if (open <= budget) return;
    const oldest = pending.values().next().value as Socket;
    pending.delete(oldest);
    refusals.dropUnanswered(oldest, { status: 503, reason });
  });
  return { pending, upgraded: (socket) => void pending.delete(tcpSocketOf(socket) as Socket) };
}
