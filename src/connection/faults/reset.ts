// reset-after's end: an RST once the client's TCP has taken in every echo before it (an RST discards what the kernel
// has not yet sent), read from Linux's socket tables.
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * How long a reset waits for the client's TCP to acknowledge the echoes before it: a client that stops reading
 * (its receive window full) gets the RST after this anyway, and loses what it did not take in.
 */
export const RESET_WAIT_MS = 2000;

/** How often the kernel's send queue is looked at while a reset waits. */
const POLL_MS = 5;

/** Linux's tables of TCP sockets: `tx_queue` is what was written and not yet acknowledged by the peer. */
const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];

/** `:1F90`: how the tables show a port. */
const portField = (port: number): string => `:${port.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Bytes the kernel holds for `socket` that the peer has not acknowledged, from the tables; undefined when they cannot
 * be read or do not list it (not Linux, or the socket is gone).
 */
async function unacknowledged(socket: Duplex): Promise<number | undefined> {
  const { localPort, remotePort } = socket as Socket;
  if (localPort === undefined || remotePort === undefined) return undefined;
  const local = portField(localPort);
  const remote = portField(remotePort);
  for (const table of TABLES) {
    let text: string;
    try {
      text = await readFile(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 5 || !fields[1].endsWith(local) || !fields[2].endsWith(remote)) continue;
      return parseInt(fields[4].slice(0, fields[4].indexOf(':')), 16);
    }
  }
  return undefined;
}

const EMPTY = Buffer.alloc(0);

/**
 * Runs `then` once `socket` has handed everything written so far to the kernel (an empty write's callback) and the
 * peer has acknowledged all of it (the kernel's send queue is empty), or once that cannot be known; at the latest
 * {@link RESET_WAIT_MS} from now (a client that does not read would hold it forever); at once if the socket is gone.
 */
export function whenAcknowledged(socket: Duplex, then: () => void): void {
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(giveUp);
    then();
  };
  const giveUp = setTimeout(finish, RESET_WAIT_MS);
  const look = (): void => {
    if (done) return;
    if (socket.destroyed) return finish();
    void unacknowledged(socket).then((bytes) => {
      if (bytes === undefined || bytes === 0) finish();
      else setTimeout(look, POLL_MS);
    });
  };
  if (socket.writableEnded || socket.destroyed) look();
  else socket.write(EMPTY, look);
}

/**
 * Resets a TCP connection (RST, not FIN). A TLS socket's handle is the TLS layer, where Node
 * cannot reset; it is destroyed instead (a FIN), and the log says so.
 */
export function resetSocket(socket: Duplex): string {
  try {
    (socket as Socket).resetAndDestroy();
    return 'TCP connection reset (RST)';
  } catch {
    socket.destroy();
    return 'TLS socket destroyed (Node cannot reset a TLS socket)';
  }
}
