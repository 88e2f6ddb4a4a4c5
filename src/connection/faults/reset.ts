// reset-after's end: an RST once the client's TCP has taken in every echo before it (an RST discards what the kernel
// has not yet sent), read from Linux's socket tables by one poller shared by every waiting reset.
import { clearTimeout, setTimeout } from 'node:timers';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * How long a reset waits for the client's TCP to acknowledge the echoes before it: a client that stops reading
 * (its receive window full) gets the RST after this anyway, and loses what it did not take in.
 */
export const RESET_WAIT_MS = 2000;

/**
 * How often the kernel's send queues are read while any reset waits. One read of the tables serves every waiting
 * reset, so many resets at once cost no more than one (at most 100 reads of each table a second, and never more than
 * half the time: after a read that took longer, the poller rests as long as it read).
 */
const POLL_MS = 10;

/** Linux's tables of TCP sockets: `tx_queue` is what was written and not yet acknowledged by the peer. */
const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];

/** `1F90:C350`: a connection's local and remote port as the tables show them, the key of {@link sendQueues}. */
const portsKey = (local: number, remote: number): string =>
  `${local.toString(16).toUpperCase().padStart(4, '0')}:${remote.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Adds to `queues` the unacknowledged bytes of each connection of `wanted` (by {@link portsKey}) that one table's
 * `text` lists. A line is `   7: 0100007F:1F90 0100007F:C350 01 00000000:00000000 ...` (IPv6: 32 hex digits an
 * address): the fields sit at fixed places after the first colon, so a line that is not wanted costs two 4-character
 * slices, not a split. The tables list every socket of the machine (tens of thousands on a busy one): a split and a
 * regular expression per line held the event loop ~50 ms a read at 15,000 lines.
 */
export function addSendQueues(text: string, wanted: ReadonlySet<string>, queues: Map<string, number>): void {
  let start = text.indexOf('\n') + 1; // the header line
  while (start > 0 && start < text.length) {
    const end = text.indexOf('\n', start);
    const lineEnd = end === -1 ? text.length : end;
    const colon = text.indexOf(':', start); // after the slot number
    const local = colon + 2;
    const space = text.indexOf(' ', local); // local address:port, then one space
    if (colon !== -1 && space !== -1 && space < lineEnd) {
      const width = space - local; // 13 (IPv4) or 37 (IPv6)
      const key = `${text.slice(space - 4, space)}:${text.slice(space + width - 3, space + width + 1)}`;
      if (wanted.has(key)) {
        const tx = space + 1 + width + 4; // after the remote address and the state
        queues.set(key, (queues.get(key) ?? 0) + parseInt(text.slice(tx, tx + 8), 16));
      }
    }
    start = end + 1;
  }
}

/**
 * Unacknowledged bytes of each connection of `wanted`, from every table that can be read; undefined when none can
 * (not Linux). A wanted connection a table does not list has no entry.
 */
async function sendQueues(wanted: ReadonlySet<string>): Promise<Map<string, number> | undefined> {
  let queues: Map<string, number> | undefined;
  for (const table of TABLES) {
    let text: string;
    try {
      text = await readFile(table, 'latin1');
    } catch {
      continue;
    }
    queues ??= new Map();
    addSendQueues(text, wanted, queues);
  }
  return queues;
}

/** A reset waiting for its echoes to be acknowledged. */
interface Waiting {
  key: string | undefined;
  finish: () => void;
}

const waiting = new Map<Duplex, Waiting>();
let polling: NodeJS.Timeout | undefined;

/** One look at the tables for every waiting socket; finishes those that are done, and looks again if any is left. */
async function pollAll(): Promise<void> {
  // Only the resets waiting before the read began are judged by it: one added while the tables are read may have
  // written its echoes after the kernel listed its queue, and would be reset before they are acknowledged.
  const judged = [...waiting];
  const wanted = new Set<string>();
  for (const [, entry] of judged) if (entry.key !== undefined) wanted.add(entry.key);
  const started = performance.now();
  const queues = await sendQueues(wanted);
  polling = undefined;
  for (const [socket, entry] of judged) {
    if (waiting.get(socket) !== entry) continue;
    const bytes = entry.key === undefined ? undefined : queues?.get(entry.key);
    if (socket.destroyed || bytes === undefined || bytes === 0) entry.finish();
  }
  // A read of a machine's large tables takes the kernel tens of ms: the poller rests at least as long as it read.
  if (waiting.size > 0) polling = setTimeout(pollAll, Math.max(POLL_MS, performance.now() - started));
}

/** Starts the shared poller if it is not running. */
function poll(socket: Duplex, finish: () => void): void {
  const { localPort, remotePort } = socket as Socket;
  const key = localPort === undefined || remotePort === undefined ? undefined : portsKey(localPort, remotePort);
  waiting.set(socket, { key, finish });
  polling ??= setTimeout(pollAll, 0);
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
    waiting.delete(socket);
    then();
  };
  const giveUp = setTimeout(finish, RESET_WAIT_MS);
  const look = (): void => {
    if (done) return;
    if (socket.destroyed) return finish();
    poll(socket, finish);
  };
  if (socket.writableEnded || socket.destroyed) look();
  else socket.write(EMPTY, look);
}

/**
 * Resets a TCP connection (RST, not FIN), or an HTTP/2 stream (RST_STREAM CANCEL). A TLS socket's handle is the TLS
 * layer, where Node cannot reset; it is destroyed instead (a FIN), and the log says so.
 */
export function resetSocket(socket: Duplex): string {
  // An HTTP/2 stream (edge/h2/stream-socket.ts) resets itself: RST_STREAM, the session goes on.
  const own = (socket as Duplex & { resetStream?: () => string }).resetStream;
  if (own) return own.call(socket);
  try {
    (socket as Socket).resetAndDestroy();
    return 'TCP connection reset (RST)';
  } catch {
    socket.destroy();
    return 'TLS socket destroyed (Node cannot reset a TLS socket)';
  }
}
