// Node's cluster beyond its API: the connections a worker that died was being handed, closed in the primary.
import type { ChildProcess } from 'node:child_process';

/** A libuv handle as the cluster's round-robin passes it (a TCP connection's). */
interface Closable {
  close(): void;
}

/** The messages node:cluster (internal/cluster/round_robin_handle.js, child.js) exchanges for one handoff. */
interface ClusterMessage {
  cmd?: unknown;
  /** Primary to worker: `newconn`, a connection, with its handle. */
  act?: unknown;
  seq?: unknown;
  /** Worker to primary: the `seq` of the handoff it answers. */
  ack?: unknown;
}

/**
 * Watches the connections the primary hands to `child` (a cluster worker's process) and returns the call that, once
 * the worker has exited, closes those it never answered for; that call returns how many.
 *
 * With round-robin the primary accepts each connection, sends its handle to a worker (`{ cmd: 'NODE_CLUSTER', act:
 * 'newconn', seq }` on `child.send`) and keeps its own copy until the worker answers (`{ ack: seq }`, an
 * `internalMessage`); only that answer's callback closes the copy. When the worker dies first the callback never
 * runs: the copy stays open for ever, its client waits with no answer, and the primary keeps a CLOSE_WAIT descriptor,
 * one per kill. Wraps `send` on this one ChildProcess; relies on the message shapes above. Checked on Node 20.20.2.
 */
export function watchHandoffs(child: ChildProcess): () => number {
  const unanswered = new Map<unknown, Closable>();
  const send = child.send.bind(child) as (...args: unknown[]) => boolean;
  (child as unknown as { send: (...args: unknown[]) => boolean }).send = (...args: unknown[]): boolean => {
    const [message, handle] = args as [ClusterMessage | undefined, Closable | undefined];
    if (message?.cmd === 'NODE_CLUSTER' && message.act === 'newconn' && handle) unanswered.set(message.seq, handle);
    return send(...args);
  };
  child.on('internalMessage', (message: ClusterMessage) => {
    if (message?.cmd === 'NODE_CLUSTER' && message.ack !== undefined) unanswered.delete(message.ack);
  });
  return () => {
    const stranded = [...unanswered.values()];
    unanswered.clear();
    stranded.forEach((handle) => handle.close());
    return stranded.length;
  };
}
