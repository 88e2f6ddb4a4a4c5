// Keeps every accepted socket within the open-file budget, closing the oldest pending handshake first.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { socketsAllowedByFdLimit } from './fd-limit';
import type { Refusals } from './refusals';

/** What the guard needs to hear about the sockets it counts, and what it tracks. */
export interface DescriptorGuard {
  /** `socket` became a WebSocket: it still counts, but is no longer a pending handshake to close. */
  upgraded(socket: Duplex): void;
  /** Every socket the server accepted and that is not closed yet, upgraded or not: a shutdown must not wait on a half-done TLS handshake. */
  readonly sockets: ReadonlySet<Socket>;
}

/** The TCP socket under `socket`: a TLS socket wraps the one the server accepted. */
function tcpSocketOf(socket: Duplex): Duplex {
  return (socket as Duplex & { _parent?: Duplex })._parent ?? socket;
}

/**
 * Tracks every socket `server` accepts until it closes, and counts them against what the
 * open-file limit `fdLimit` allows ({@link socketsAllowedByFdLimit}). Idle connections that
 * never finish a handshake would otherwise use up every descriptor, and libuv answers an
 * accept that fails with EMFILE by closing the new connection with no word: no 503, no log
 * line, no count. Instead, a socket over the budget makes room by closing the oldest socket
 * that is not a WebSocket, logged and counted as refused. Costs one Set entry per socket (two
 * until the upgrade where there is a limit) and one 'close' listener shared by all: a third
 * listener of a socket's 'close' would grow its listener array to 176 B.
 */
export function guardDescriptors(server: Server, fdLimit: number | undefined, refusals: Refusals): DescriptorGuard {
  const budget = socketsAllowedByFdLimit(fdLimit);
  const sockets = new Set<Socket>();
  // Insertion order is age order: the first entry is the oldest pending socket. None without a limit.
  const pending = budget === Infinity ? undefined : new Set<Duplex>();
  const reason = `open-file limit reached (ulimit -n ${fdLimit}): the oldest pending handshake was closed unanswered`;
  function forget(this: Socket): void {
    sockets.delete(this);
    pending?.delete(this);
  }
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', forget); // 'close' comes once
    if (pending === undefined) return;
    pending.add(socket);
    if (sockets.size <= budget) return;
    const oldest = pending.values().next().value as Socket;
    pending.delete(oldest);
    refusals.dropUnanswered(oldest, { status: 503, reason });
  });
  return { sockets, upgraded: (socket) => void pending?.delete(tcpSocketOf(socket)) };
}
