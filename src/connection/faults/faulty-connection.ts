// A connection whose echoes are delayed, throttled, fragmented or counted towards an end: chosen at set-up, so plain
// connections never pay for it.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { Behaviour } from '../../behaviour/behaviour';
import { delayPicker, seededRandom } from '../../behaviour/random';
import { EchoConnection } from '../connection';
import type { ConnectionSettings } from '../connection-settings';
import { EchoOutbox } from './outbox';

/** Whether `behaviour` changes how echoes are written or counts them (the faults this class implements). */
export function changesEchoes(behaviour: Behaviour): boolean {
  const b = behaviour;
  return (
    b.delay !== undefined ||
    b.throttle !== undefined ||
    b.fragment !== undefined ||
    b.closeAfter !== undefined ||
    b.dropAfter !== undefined ||
    b.resetAfter !== undefined
  );
}

const NO_DELAY = (): number => 0;

/** `1 echo written`, `3 echoes written`: what a fault line opens with. */
const echoesWritten = (count: number): string => `${count} echo${count === 1 ? '' : 'es'} written`;
const EMPTY = Buffer.alloc(0);

/**
 * Resets a TCP connection (RST, not FIN). A TLS socket's handle is the TLS layer, where Node
 * cannot reset; it is destroyed instead (a FIN), and the log says so.
 */
function resetSocket(socket: Duplex): string {
  try {
    (socket as Socket).resetAndDestroy();
    return 'TCP connection reset (RST)';
  } catch {
    socket.destroy();
    return 'TLS socket destroyed (Node cannot reset a TLS socket)';
  }
}

/**
 * {@link EchoConnection} with its echoes going through an {@link EchoOutbox} (delay, throttle,
 * fragment) and counted towards `close-after`, `drop-after` and `reset-after`. Queued echoes
 * count towards backpressure: past `BACKPRESSURE_HIGH_WATER` (core/constants.ts) of echoes written or waiting,
 * the server stops reading from this client until they are out.
 */
export class FaultyConnection extends EchoConnection {
  private readonly outbox: EchoOutbox;
  private readonly pickDelay: () => number;
  private echoesWritten = 0;
  private echoesFlushed = 0;
  /** Echoes after which to reset, once they have left the socket. */
  private resetWhenFlushed: number | undefined;

  constructor(
    id: number,
    ws: WebSocket,
    socket: Duplex,
    settings: ConnectionSettings,
    onClosed: (connection: EchoConnection) => void,
    private readonly faults: Behaviour,
  ) {
    super(id, ws, socket, settings, onClosed);
    const { delay, seed, fragment, throttle } = faults;
    this.pickDelay =
      delay === undefined ? NO_DELAY : delayPicker(delay, seed === undefined ? Math.random : seededRandom(seed));
    this.outbox = new EchoOutbox(ws, { fragment, throttle }, this);
    this.backpressure.countQueue(() => this.outbox.cost);
    ws.once('close', () => this.outbox.clear());
  }

  /** Fires what is due after 0 echoes (`close-after=0`, ...); called once set-up is done (after a greeting). */
  start(): void {
    this.afterEchoes(0);
    if (this.resetWhenFlushed === 0) this.socket.write(EMPTY, () => this.reset(0));
  }

  override onMessage(data: Buffer, isBinary: boolean): void {
    if (!this.received(data, isBinary) || this.dropped) return;
    this.echoesLeft--;
    this.outbox.add(this.echoOf(data, isBinary), isBinary, this.pickDelay());
    this.backpressure.afterQueue();
  }

  override drop(cause: string): void {
    this.outbox.clear();
    super.drop(cause);
  }

  /** {@link EchoOutbox} listener: an echo was handed to ws. */
  echoWritten(echo: Buffer, isBinary: boolean): void {
    this.countEchoed(echo, isBinary);
    this.afterEchoes(++this.echoesWritten);
    if (!this.dropped) this.backpressure.resumeIfUnder();
  }

  /** {@link EchoOutbox} listener: an echo left the socket. */
  echoFlushed(): void {
    if (++this.echoesFlushed === this.resetWhenFlushed) this.reset(this.resetWhenFlushed);
  }

  /** What happens once `count` echoes are written: a fault's end, or the mode's. */
  private afterEchoes(count: number): void {
    const { resetAfter, dropAfter, closeAfter } = this.faults;
    const { messagesToEcho } = this.settings.behavior;
    if (count === resetAfter) {
      this.stopEchoing();
      this.resetWhenFlushed = count; // the client gets its echoes first, then the RST
    } else if (count === dropAfter) {
      this.fault('drop-after', `${echoesWritten(count)}: ending TCP with no close frame`);
      this.drop(`drop-after=${count}`);
    } else if (count === closeAfter) {
      this.closeAsAsked(count);
    } else if (count === messagesToEcho && count > 0) {
      // 0: `echo: false`, nothing to end on
      this.drop(messagesToEcho === 1 ? 'first message echoed' : `${messagesToEcho} messages echoed`);
    }
  }

  /** Sends the close frame `close-code`/`close-reason` asks for; modes that drop end TCP right after it. */
  private closeAsAsked(count: number): void {
    const { closeCode, closeReason = '' } = this.faults;
    const dropping = this.settings.behavior.ending === 'drop';
    this.fault(
      'close-after',
      `${echoesWritten(count)}: closing with ${closeCode}${closeReason ? ` ${JSON.stringify(closeReason)}` : ''}${dropping ? ', then ending TCP' : ''}`,
    );
    this.initiator ??= 'server';
    this.cause ??= `close-after=${count}`;
    this.stopEchoing();
    this.ws.close(closeCode, closeReason);
    if (dropping) this.drop(this.cause);
  }

  private stopEchoing(): void {
    this.echoesLeft = 0;
    this.outbox.clear();
  }

  private reset(count: number): void {
    if (this.socket.destroyed) return;
    this.initiator ??= 'server';
    this.cause ??= `reset-after=${count}`;
    this.dropped = true; // no frame may follow
    this.fault('reset-after', `${echoesWritten(count)}: ${resetSocket(this.socket)}`);
  }

  private fault(fault: string, detail: string): void {
    this.settings.logger.log({ event: 'fault', id: this.id, fault, detail });
  }
}
