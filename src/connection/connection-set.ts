// The live connections of one server: ids, the heartbeat, and ending them all at shutdown.
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { MODES, type ModeRules } from '../behaviour/modes';
import type { EchoMode } from '../core/types';
import { pingIntervalMs, type Behaviour } from '../behaviour/behaviour';
import type { EchoConnection } from './connection';
import type { ConnectionSettings } from './connection-settings';
import { openConnection } from './open-connection';

const announceNothing = (): void => undefined;

/** Tracks each upgraded connection from its first frame until its socket is gone. */
export class ConnectionSet {
  private readonly open = new Set<EchoConnection>();
  /** The open connections the server's heartbeat pings (those whose ping interval is the server's). */
  private readonly pinged = new Set<EchoConnection>();
  private added = 0;
  private readonly heartbeat: NodeJS.Timeout | undefined;
  private onEmpty: (() => void) | undefined;

  /**
   * @param settings what every connection shares, and the default behaviour's mode rules, buffer size and ping
   * interval: the server pings every client whose URL does not choose its own interval at `settings.pingIntervalMs`
   * @param modeRulesOf a mode's rules (the server's `echo: false` changes them)
   */
  constructor(
    private readonly settings: ConnectionSettings,
    private readonly modeRulesOf: (mode: EchoMode) => ModeRules = (mode) => MODES[mode],
  ) {
    const serverPingMs = settings.pingIntervalMs;
    if (serverPingMs > 0)
      this.heartbeat = setInterval(() => this.pinged.forEach((c) => c.heartbeat()), serverPingMs).unref();
  }

  /** Connections open now. */
  get size(): number {
    return this.open.size;
  }

  /** Connections since the start. */
  get total(): number {
    return this.added;
  }

  /**
   * Starts echoing on a just-upgraded WebSocket as `behaviour` says and tracks it until it
   * closes; `announce` gets the connection first, so its connection line comes before anything
   * it sends. The id is `givenId` if given (`--workers` numbers connections across processes),
   * else the next one.
   */
  add(
    ws: WebSocket,
    socket: Duplex,
    behaviour: Behaviour,
    announce: (connection: EchoConnection) => void = announceNothing,
    givenId?: number,
  ): EchoConnection {
    const id = givenId ?? this.added + 1;
    this.added++;
    const { settings } = this;
    const modeRules = this.modeRulesOf(behaviour.mode);
    const pingMs = pingIntervalMs(behaviour);
    const own: ConnectionSettings =
      modeRules === settings.modeRules &&
      behaviour.bufferSize === settings.bufferSize &&
      pingMs === settings.pingIntervalMs
        ? settings
        : { ...settings, modeRules, bufferSize: behaviour.bufferSize, pingIntervalMs: pingMs };
    const { connection, sharedHeartbeat } = openConnection(
      id,
      ws,
      socket,
      own,
      behaviour,
      settings.pingIntervalMs,
      announce,
      this.closed,
    );
    this.open.add(connection);
    if (sharedHeartbeat) this.pinged.add(connection);
    return connection;
  }

  /** Forgets a closed connection: one function for all of them, not a closure each. */
  private readonly closed = (connection: EchoConnection): void => {
    this.open.delete(connection);
    this.pinged.delete(connection);
    if (this.open.size === 0) this.onEmpty?.();
  };

  /**
   * Ends every connection as its mode says (a close frame with `code`, or a drop), destroys
   * those still open after `timeoutMs`, and resolves once none is left.
   */
  async endAll(code: number, reason: string, timeoutMs: number): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.open.size === 0) return;
    const empty = new Promise<void>((resolve) => (this.onEmpty = resolve));
    this.open.forEach((c) => c.end(code, reason));
    const timer = setTimeout(
      () => this.open.forEach((c) => c.terminate('close handshake not finished in time')),
      timeoutMs,
    );
    await empty;
    clearTimeout(timer);
  }
}
