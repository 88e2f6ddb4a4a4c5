// Starts one connection as its behaviour says: the plain echo loop, or the faulty one, plus the faults that act once at
// set-up.
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { Behaviour } from '../behaviour/behaviour';
import { EchoConnection } from './connection';
import type { ConnectionSettings } from './connection-settings';
import { changesEchoes, FaultyConnection } from './faults/faulty-connection';

/**
 * Creates the connection for `behaviour` and `announce`s it: {@link FaultyConnection} only when a fault changes
 * echoes, so a plain connection runs the plain loop with no per-message check. Then sends the
 * greeting, turns pongs off (ws's own are off server-wide; the connection answers them) and starts its own ping timer
 * if its interval is not the server's
 * (`sharedPingMs`); returns whether the server's heartbeat should ping it.
 */
export function openConnection(
  id: number,
  ws: WebSocket,
  socket: Duplex,
  settings: ConnectionSettings,
  behaviour: Behaviour,
  sharedPingMs: number,
  announce: (connection: EchoConnection) => void,
  onClosed: (connection: EchoConnection) => void,
): { connection: EchoConnection; sharedHeartbeat: boolean } {
  const faulty = changesEchoes(behaviour);
  const connection = faulty
    ? new FaultyConnection(id, ws, socket, settings, onClosed, behaviour)
    : new EchoConnection(id, ws, socket, settings, onClosed);
  announce(connection);
  const log = settings.logger;
  if (behaviour.greeting !== undefined) {
    ws.send(behaviour.greeting);
    log.log({
      event: 'fault',
      id,
      fault: 'greeting',
      detail: `sent ${Buffer.byteLength(behaviour.greeting)} bytes of text first`,
    });
  }
  if (behaviour.noPong) {
    connection.stopAnsweringPings();
    ws.once('ping', () =>
      log.log({ event: 'fault', id, fault: 'no-pong', detail: 'a ping was not answered (and no later one will be)' }),
    );
  }
  const pingMs = Math.round(behaviour.pingInterval * 1000);
  if (pingMs > 0 && pingMs !== sharedPingMs) {
    const timer = setInterval(() => connection.heartbeat(), pingMs);
    ws.once('close', () => clearInterval(timer));
  }
  if (faulty) (connection as FaultyConnection).start();
  return { connection, sharedHeartbeat: pingMs > 0 && pingMs === sharedPingMs };
}
