// The live connections of one server: ids, the heartbeat, and ending them all at shutdown.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { EchoConnection, type ConnectionSettings } from './connection';

/** Tracks each upgraded connection from its first frame until its socket is gone. */
export class ConnectionSet {
  private readonly open = new Set<EchoConnection>();
  private lastId = 0;
  private readonly heartbeat: NodeJS.Timeout | undefined;
  private onEmpty: (() => void) | undefined;

  /**
   * @param settings what every connection shares
   * @param pingIntervalMs how often to ping every client (0: never)
   */
  constructor(
    private readonly settings: ConnectionSettings,
    pingIntervalMs: number,
  ) {
    if (pingIntervalMs > 0) this.heartbeat = setInterval(() => this.open.forEach((c) => c.heartbeat()), pingIntervalMs).unref();
  }

  /** Connections open now. */
  get size(): number {
    return this.open.size;
  }

  /** Connections since the start (the last id given). */
  get total(): number {
    return this.lastId;
  }

  /** Starts echoing on a just-upgraded WebSocket and tracks it until it closes; returns it (its id is the next number). */
  add(ws: WebSocket, socket: Duplex): EchoConnection {
    const id = ++this.lastId;
    const connection = new EchoConnection(id, ws, socket, this.settings, (closed) => {
      this.open.delete(closed);
      if (this.open.size === 0) this.onEmpty?.();
    });
    this.open.add(connection);
    return connection;
  }

  /**
   * Ends every connection as its mode says (a close frame with `code`, or a drop), destroys
   * those still open after `timeoutMs`, and resolves once none is left.
   */
  async endAll(code: number, reason: string, timeoutMs: number): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.open.size === 0) return;
    const empty = new Promise<void>((resolve) => (this.onEmpty = resolve));
    this.open.forEach((c) => c.end(code, reason));
    const timer = setTimeout(() => this.open.forEach((c) => c.terminate('close handshake not finished in time')), timeoutMs);
    await empty;
    clearTimeout(timer);
  }
}
