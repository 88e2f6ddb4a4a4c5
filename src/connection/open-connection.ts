// Starts one connection as its behaviour says, plus the faults that act once at set-up (greeting, no-pong) and its
// own ping timer.
import { clearInterval, setInterval } from 'node:timers';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { Behaviour } from '../behaviour/behaviour';
import { EchoConnection } from './connection';
import type { ConnectionSettings } from './connection-settings';

/**
 * Creates the connection for `behaviour` (which picks its writer and how it ends, once, here) and `announce`s it. Then
 * sends the greeting, turns pongs off (ws's own are off server-wide; the connection answers them), starts its own
 * ping timer if its interval (`settings.pingIntervalMs`) is not the server's (`serverPingMs`), and fires the faults due
 * after 0 echoes; returns whether the server's heartbeat should ping it.
 */
export function openConnection(
  id: number,
  ws: WebSocket,
  socket: Duplex,
  settings: ConnectionSettings,
  behaviour: Behaviour,
  serverPingMs: number,
  announce: (connection: EchoConnection) => void,
  onClosed: (connection: EchoConnection) => void,
): { connection: EchoConnection; sharedHeartbeat: boolean } {
  const connection = new EchoConnection(id, ws, socket, settings, onClosed, behaviour);
  announce(connection);
  const log = settings.logger;
  if (behaviour.greeting !== undefined) {
    connection.sendGreeting(behaviour.greeting);
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
  const pingMs = settings.pingIntervalMs;
  if (pingMs > 0 && pingMs !== serverPingMs) {
    const timer = setInterval(() => connection.heartbeat(), pingMs);
    ws.once('close', () => clearInterval(timer));
  }
  connection.start();
  return { connection, sharedHeartbeat: pingMs > 0 && pingMs === serverPingMs };
}
