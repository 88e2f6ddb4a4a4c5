// One WebSocket connection: echoes and ends as its mode's data says.
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { BACKPRESSURE_HIGH_WATER, CLOSE_ABNORMAL, CLOSE_NORMAL, CLOSE_PROTOCOL_ERROR, DROP_LINGER_MS, DROP_STALL_MS } from '../core/constants';
import type { Logger } from '../log/logger';
import type { ModeBehavior } from '../behaviour/modes';
import { firstBytes } from '../core/utf8';

/** Counters a connection adds to; the server owns them. */
export interface EchoCounters {
  messagesReceived: number;
  messagesEchoed: number;
  bytesReceived: number;
  bytesEchoed: number;
  protocolErrors: number;
}

/** What every connection of one server shares. */
export interface ConnectionSettings {
  behavior: ModeBehavior;
  bufferSize: number;
  /** 0 turns the idle timeout off. */
  idleTimeoutMs: number;
  /** Whether the server pings; then pongs are tracked. */
  heartbeat: boolean;
  counters: EchoCounters;
  logger: Logger;
}

const AS_TEXT = { binary: false } as const;
const AS_BINARY = { binary: true } as const;

/**
 * `ws` keeps no public flag for "the peer's close frame has arrived"; this is the one place we
 * read it (package.json pins ws to 8.23.x; the forever and graceful tests fail if it moves).
 */
function peerCloseReceived(ws: WebSocket): boolean {
  return (ws as unknown as { _closeFrameReceived: boolean })._closeFrameReceived === true;
}

/**
 * Echoes on one upgraded socket. Every close `ws` would send passes through
 * {@link EchoConnection.onCloseRequested}, so a mode that ends by dropping the TCP
 * connection never answers a close frame, and `graceful` answers a bare one with 1000.
 */
export class EchoConnection {
  private readonly startedAt = Date.now();
  private readonly sendCloseFrame: WebSocket['close'];
  private messages = 0;
  private echoesLeft: number;
  private dropped = false;
  private paused = false;
  private answeredLastPing = true;
  private sentCode: number | undefined;
  private lastCloseCode: number | undefined;
  private initiator: 'client' | 'server' | undefined;
  /** Why the server ended the connection, for the close log line. */
  private cause: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  /**
   * @param id number shown in logs
   * @param ws the `ws` WebSocket, just upgraded
   * @param socket its TCP (or TLS) socket, which a drop ends directly
   * @param settings what every connection of the server shares
   * @param onClosed called once, when the socket is gone
   */
  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly settings: ConnectionSettings,
    private readonly onClosed: (connection: EchoConnection) => void,
  ) {
    this.echoesLeft = settings.behavior.messagesToEcho;
    this.sendCloseFrame = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer) => this.onCloseRequested(code, reason);
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('error', (error: Error) => this.onError(error));
    ws.once('close', (code: number, reason: Buffer) => this.onClose(code, reason));
    if (settings.idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => this.end(CLOSE_NORMAL, 'idle timeout'), settings.idleTimeoutMs);
      ws.on('ping', () => this.idleTimer?.refresh());
    }
    if (settings.heartbeat) ws.on('pong', () => (this.answeredLastPing = true));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const { counters, logger, behavior } = this.settings;
    this.messages++;
    counters.messagesReceived++;
    counters.bytesReceived += data.length;
    this.idleTimer?.refresh();
    if (logger.logsMessages) logger.message(this.id, data, isBinary);
    // Nothing is echoed after the mode's last echo, nor once a close frame is sent (ws would drop it).
    if (this.echoesLeft <= 0 || this.ws.readyState !== this.ws.OPEN) return;
    this.echoesLeft--;
    const echo = behavior.truncateToBuffer ? firstBytes(data, isBinary, this.settings.bufferSize) : data;
    this.ws.send(echo, isBinary ? AS_BINARY : AS_TEXT);
    counters.messagesEchoed++;
    counters.bytesEchoed += echo.length;
    if (this.echoesLeft === 0) this.drop(behavior.messagesToEcho === 1 ? 'first message echoed' : `${behavior.messagesToEcho} messages echoed`);
    else if (!this.paused && this.ws.bufferedAmount > BACKPRESSURE_HIGH_WATER) this.pauseReading();
  }

  /** Stops reading from a client that does not read its echoes, until they drain. */
  private pauseReading(): void {
    this.paused = true;
    this.ws.pause();
    this.socket.once('drain', () => {
      this.paused = false;
      this.ws.resume();
    });
  }

  /** Every close `ws` sends comes here: answering a peer's close, a protocol error, or ours. */
  private onCloseRequested(code?: number, reason?: string | Buffer): void {
    this.lastCloseCode = code;
    if (this.dropped) return; // the TCP connection is already ending: no frames after that
    if (peerCloseReceived(this.ws)) {
      this.initiator ??= 'client';
      if (this.settings.behavior.ending === 'drop') return this.drop('close frame not answered, as the mode says');
      code ??= CLOSE_NORMAL; // RFC 6455 §5.5.1: answer a bare close frame with a status, not an empty one
    } else {
      this.initiator ??= 'server';
      this.cause ??= typeof reason === 'string' && reason ? reason : 'protocol error';
    }
    this.sentCode ??= code;
    this.sendCloseFrame(code, reason);
  }

  private onError(error: Error): void {
    this.settings.counters.protocolErrors++;
    this.settings.logger.log({
      event: 'protocol-error',
      id: this.id,
      code: this.dropped ? CLOSE_ABNORMAL : (this.lastCloseCode ?? CLOSE_PROTOCOL_ERROR),
      error: error.message,
    });
  }

  private onClose(code: number, reason: Buffer): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.lingerTimer);
    const received = peerCloseReceived(this.ws);
    this.settings.logger.log({
      event: 'close',
      id: this.id,
      code: received ? code : (this.sentCode ?? CLOSE_ABNORMAL),
      reason: received ? reason.toString() : '',
      clean: received && this.sentCode !== undefined,
      initiator: this.initiator ?? 'client',
      ...(this.cause === undefined ? {} : { cause: this.cause }),
      durationMs: Date.now() - this.startedAt,
      messages: this.messages,
    });
    this.onClosed(this);
  }

  /** Ends the TCP connection with no close frame; what `drop` modes do, and a test's `client.drop()`. */
  drop(cause: string): void {
    if (this.dropped) return;
    this.dropped = true;
    this.echoesLeft = 0;
    this.initiator ??= 'server';
    this.cause ??= cause;
    if (this.paused) this.ws.resume(); // so the peer's FIN is read
    // A peer that never reads the echo, or never closes its side after our FIN, is not kept around.
    this.lingerTimer = setTimeout(() => this.socket.destroy(), DROP_STALL_MS);
    this.socket.once('finish', () => {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = setTimeout(() => this.socket.destroy(), DROP_LINGER_MS);
    });
    this.socket.end(); // FIN once the echo is flushed
  }

  /** Server-initiated end as the mode says: a close frame with `code`, or a drop. */
  end(code: number, reason: string): void {
    if (this.settings.behavior.ending === 'drop') this.drop(reason);
    else this.ws.close(code, reason);
  }

  /** A close frame whatever the mode, for `cause`: a test's `client.close()`. */
  closeWith(code: number, reason: string, cause: string): void {
    this.cause ??= cause;
    this.ws.close(code, reason);
  }

  /** Destroys the socket at once, for `cause` (shutdown timeout, missed pong). */
  terminate(cause: string): void {
    this.initiator ??= 'server';
    this.cause ??= cause;
    this.socket.destroy();
  }

  /** One heartbeat: pings, and drops the client if it did not answer the last ping. */
  heartbeat(): void {
    if (this.dropped) return; // a ping after our FIN would be a write after end
    if (!this.answeredLastPing) return this.terminate('no pong to the last ping');
    this.answeredLastPing = false;
    this.ws.ping();
  }
}
