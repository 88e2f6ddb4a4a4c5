// Node's TLSSocket beyond its API: whether its handshake finished, and the TCP socket under it.
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { CHECKED_ON, type Shape } from './shape-check';

const FILE = 'src/internals/node-tls.ts';

/** A failed handshake leaves `_secureEstablished` false; a finished one sets it true. */
export const SECURE_ESTABLISHED_BEHAVIOUR =
  '_secureEstablished is false on a failed handshake and true on a finished one';
/** A server's TLSSocket keeps the TCP socket the server accepted (its 'connection' event) in `_parent`. */
export const PARENT_BEHAVIOUR = "_parent is the socket the server's 'connection' event gave";

/**
 * What the guard test holds this file to. Node reports a failed handshake as `clientError` and `tlsClientError`, and
 * has no public "handshake done" flag to tell it from an HTTP error on a finished one. The descriptor guard counts
 * the sockets of `'connection'` (TCP) and is told of upgrades by the TLSSocket: `_parent` links the two.
 */
export const TLS_SHAPES: readonly Shape[] = [
  { file: FILE, object: 'TLSSocket', member: '_secureEstablished', kind: 'boolean', checkedOn: CHECKED_ON.node },
  { file: FILE, object: 'TLSSocket', member: '_parent', kind: 'object', checkedOn: CHECKED_ON.node },
  {
    file: FILE,
    object: 'TLSSocket',
    member: SECURE_ESTABLISHED_BEHAVIOUR,
    kind: 'behaviour',
    checkedOn: CHECKED_ON.node,
  },
  { file: FILE, object: 'TLSSocket', member: PARENT_BEHAVIOUR, kind: 'behaviour', checkedOn: CHECKED_ON.node },
];

/** Whether `socket` is a TLS socket whose handshake has not finished (Node's `_secureEstablished`). */
export function tlsHandshakeUnfinished(socket: unknown): boolean {
  return socket instanceof TLSSocket && !(socket as TLSSocket & { _secureEstablished?: boolean })._secureEstablished;
}

/** The TCP socket under `socket`: a TLS socket wraps the one the server accepted (Node's `_parent`). */
export function tcpSocketOf(socket: Duplex): Duplex {
  return (socket as Duplex & { _parent?: Duplex | null })._parent ?? socket;
}
