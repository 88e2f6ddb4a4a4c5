// One WebSocket connection: echoes and ends as its mode's data says, through one writer chosen at set-up.
import { clearTimeout, setTimeout } from 'node:timers';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { CLOSE_ABNORMAL, CLOSE_NORMAL, CLOSE_PROTOCOL_ERROR, DROP_LINGER_MS, DROP_STALL_MS } from '../core/constants';
import type { OutgoingData } from '../core/client-types';
import { firstBytes } from '../core/utf8';
import { PLAIN_BEHAVIOUR, type Behaviour } from '../behaviour/behaviour';
import { behaviourAfterSet } from '../behaviour/settings';
import type { PongReply } from '../core/client-types';
import { Backpressure } from './backpressure';
import { protocolErrorReason } from './close-reasons';
import type { ConnectionSettings } from './connection-settings';
import { echoSenderFor, type EchoSender, type EchoWritten } from './echo-sender';
import { endsAfterEchoes, FaultEndings, type FaultTarget } from './faults/fault-endings';
import { queuePolicyFor, QueueSender } from './faults/queue-sender';
import type { EchoTap } from '../fixture/live-client';
import { gatherPayloads } from './payload-gatherer';
import { bytesOf, sendInFrames } from './own-sends';
import { pingRefusal, PingWaits } from './ping-waits';
import { answerEvents, listenForPongs, sendCloseFrame, type WebSocketEvents } from './shared-listeners';
import { ownCloseSent, peerCloseReceived } from '../internals/ws-close-flags';
import { CLOSE_RULE_FAILED, rethrowLater, RuleRunner, type Decision, type RuleFailure } from '../rules/runner';
import { RuleEvents } from './rule-events';

/**
 * Echoes on one upgraded socket. Every close `ws` would send passes through
 * {@link EchoConnection.onCloseRequested}, so a mode that ends by dropping the TCP
 * connection never answers a close frame, and `graceful` answers a bare one with 1000.
 *
 * Its echoes leave through exactly one writer ({@link EchoSender}), chosen once at set-up: the batching or counting
 * sender, or the fault queue ({@link QueueSender}) when `delay`, `throttle` or `fragment` is on. Every wait on
 * "echoes written" (a drop's FIN, a reset, a close frame, a test's message) asks that writer. The faults that end a
 * connection after n echoes ({@link FaultEndings}) hear of each echo from the writer; a plain connection hears
 * itself (it only counts).
 */
export class EchoConnection implements WebSocketEvents, EchoWritten, FaultTarget {
  private readonly startedAt = Date.now();
  private echoes: EchoSender;
  /** The fault queue, when the writer is one: ending discards what still waits in it. */
  private queue: QueueSender | undefined;
  /** The faults that end the connection after n echoes; they also end it after the mode's last echo. */
  private endings: FaultEndings | undefined;
  /** The writer before a test's set() put the fault queue in its place: a wait on "written" waits for it first. */
  private retired: EchoSender | undefined;
  /** A test's pings waiting for their pongs, from its first ping(). */
  private pings: PingWaits | undefined;
  private messages = 0;
  private echoesLeft: number;
  private dropped = false;
  private readonly backpressure: Backpressure;
  /** Whether pings get pongs (the `no-pong` fault turns them off). */
  private answersPings = true;
  private answeredLastPing = true;
  private sentCode: number | undefined;
  private sentReason = '';
  private lastCloseCode: number | undefined;
  private initiator: 'client' | 'server' | undefined;
  /** Why the server ended the connection, for the close log line. */
  private cause: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** Waits for the greeting to be written, while it is not yet (see sendGreeting). */
  private greetingWaits: Array<() => void> | undefined;
  /** The fixture's transcript on a recorded server, told of the greeting and (see tapEchoes) of each echo. */
  private tap: EchoTap | undefined;

  /**
   * @param id number shown in logs
   * @param ws the `ws` WebSocket, just upgraded
   * @param socket its TCP (or TLS) socket, which a drop ends directly
   * @param settings what every connection of the server shares
   * @param onClosed called once, when the socket is gone
   * @param behaviour its parameters: the faults among them choose its writer and how it ends
   */
  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly settings: ConnectionSettings,
    private readonly onClosed: (connection: EchoConnection) => void,
    private behaviour: Behaviour = PLAIN_BEHAVIOUR,
  ) {
    this.echoesLeft = settings.modeRules.messagesToEcho;
    this.backpressure = new Backpressure(ws, socket);
    gatherPayloads(ws, this.backpressure);
    const policy = queuePolicyFor(behaviour);
    // With a queue, the mode's end too must wait until its last echo leaves the queue: the endings count it.
    this.endings =
      policy !== undefined || endsAfterEchoes(behaviour)
        ? new FaultEndings(this, socket, behaviour, settings.modeRules, settings.logger)
        : undefined;
    const written: EchoWritten = this.endings ?? this;
    this.queue = policy && new QueueSender(ws, socket, this.backpressure, written, policy);
    this.echoes = this.queue ?? echoSenderFor(ws, socket, this.backpressure, written);
    // With reply rules, a listener that offers each message to them first; without, the connection itself.
    answerEvents(
      ws,
      settings.rules ? new RuleEvents(this, new RuleRunner(settings.rules, settings.limits.maxPayload)) : this,
    );
    if (settings.idleTimeoutMs > 0)
      this.idleTimer = setTimeout(EchoConnection.idleTimedOut, settings.idleTimeoutMs, this);
    if (settings.pingIntervalMs > 0) {
      // A pong, or any bytes at all: a client in the middle of sending one large frame cannot
      // send its pong until the frame is done, and it is plainly alive. Only with a heartbeat on.
      const alive = (): void => {
        this.answeredLastPing = true;
      };
      ws.on('pong', alive);
      socket.on('data', alive);
    }
  }

  private static idleTimedOut(connection: EchoConnection): void {
    if (connection.backpressure.held) {
      connection.idleTimer?.refresh(); // the test paused it: it is not idle
      return;
    }
    connection.end(CLOSE_NORMAL, 'idle timeout');
  }

  /**
   * A whole message from the client (the events of {@link WebSocketEvents} come from ws, through shared-listeners.ts).
   */
  onMessage(data: Buffer, isBinary: boolean): void {
    if (!this.received(data, isBinary)) return;
    this.echoesLeft--;
    this.echoes.send(this.echoOf(data, isBinary), isBinary); // the writer tells echoWritten()
    if (this.echoesLeft === 0) this.lastEchoSent();
  }

  /**
   * A message a reply rule matched: counted and logged as any other, its answers sent through the one writer (they
   * count as echoes), then the message echoed too if the rule says so, then the rule's close or drop.
   */
  answerByRule(data: Buffer, isBinary: boolean, { rule, answers }: Decision): void {
    const echoable = this.received(data, isBinary);
    if (this.dropped || this.ws.readyState !== this.ws.OPEN) return;
    for (const answer of answers) this.echoes.send(answer.data, answer.isBinary);
    if (rule.echo) {
      if (echoable) this.echoesLeft--;
      this.echoes.send(this.echoOf(data, isBinary), isBinary);
      if (echoable && this.echoesLeft === 0) this.lastEchoSent();
    }
    const { close } = rule;
    if (close !== undefined)
      this.whenEchoesWritten(() => this.closeWith(close[0], close[1], `closed by rule ${rule.number}`));
    else if (rule.drop) this.whenEchoesWritten(() => this.drop(`dropped by rule ${rule.number}`));
  }

  /**
   * A rule failed (its function threw, or its answer could not be built): the message is counted, the error logged,
   * the connection closed with 1011; what a user's function threw goes back to the test.
   */
  ruleFailed(data: Buffer, isBinary: boolean, failure: RuleFailure): void {
    this.received(data, isBinary);
    this.settings.logger.log({ event: 'error', message: `#${this.id}: ${failure.message}; closing it with 1011` });
    if (!this.dropped && this.ws.readyState === this.ws.OPEN)
      this.closeWith(CLOSE_RULE_FAILED, failure.reason, failure.message);
    if (failure.handBack) rethrowLater(failure.thrown);
  }

  /**
   * Sends the greeting, before any echo. It is no echo (no writer counts it), so until ws has written it (with
   * permessage-deflate: once zlib is done) every wait on "echoes written" and a drop's FIN wait for it here.
   */
  sendGreeting(text: string): void {
    const waiting: Array<() => void> = [];
    this.greetingWaits = waiting;
    this.tap?.greetingSent(text);
    this.ws.send(text, () => {
      this.greetingWaits = undefined;
      for (const action of waiting) action();
    });
  }

  /** Runs `action` now, or once the greeting is written if it is not yet. */
  private afterGreeting(action: () => void): void {
    if (this.greetingWaits === undefined) action();
    else this.greetingWaits.push(action);
  }

  /** Fires what is due after 0 echoes (`close-after=0`, ...); called once set-up is done (after a greeting). */
  start(): void {
    this.endings?.start();
  }

  /**
   * The mode's last echo is sent: the mode ends the connection, with the echo written first. With fault endings, they
   * end it once the writer hands the echo over (a delayed echo is still waiting now).
   */
  private lastEchoSent(): void {
    if (this.endings !== undefined) return;
    const { messagesToEcho } = this.settings.modeRules;
    this.drop(messagesToEcho === 1 ? 'first message echoed' : `${messagesToEcho} messages echoed`);
  }

  /** Counts and logs a message from the client; returns whether it may still be echoed. */
  private received(data: Buffer, isBinary: boolean): boolean {
    const { counters, logger } = this.settings;
    this.messages++;
    this.backpressure.countMessage();
    counters.messagesReceived++;
    counters.bytesReceived += data.length;
    if (isBinary) {
      counters.binaryMessagesReceived++;
      counters.binaryBytesReceived += data.length;
    }
    this.idleTimer?.refresh();
    if (logger.logsMessages) logger.message(this.id, data, isBinary);
    // Nothing is echoed after the mode's last echo, nor once a close frame is sent (ws would drop it).
    return this.echoesLeft > 0 && this.ws.readyState === this.ws.OPEN;
  }

  /** What is echoed for `data`: all of it, or what one read into the mode's buffer would hold. */
  private echoOf(data: Buffer, isBinary: boolean): Buffer {
    return this.settings.modeRules.truncateToBuffer ? firstBytes(data, isBinary, this.settings.bufferSize) : data;
  }

  /** The writer handed an echo over: counts it (the writer calls this directly, or through the fault endings). */
  echoWritten(echo: Buffer, isBinary: boolean): void {
    const { counters } = this.settings;
    counters.messagesEchoed++;
    counters.bytesEchoed += echo.length;
    if (isBinary) {
      counters.binaryMessagesEchoed++;
      counters.binaryBytesEchoed += echo.length;
    }
  }

  /**
   * Tells `tap` of each echo (a recorded server's transcript), once, when the connection opens. Only a tapped
   * connection's echoWritten does more than count: it gets its own, and every other keeps the prototype's, so a plain
   * connection's echo makes the same calls as before.
   */
  tapEchoes(tap: EchoTap): void {
    this.tap = tap;
    const count = EchoConnection.prototype.echoWritten;
    this.echoWritten = (echo: Buffer, isBinary: boolean): void => {
      count.call(this, echo, isBinary);
      tap.echoWritten(echo, isBinary);
    };
  }

  /** Leaves pings unanswered from now on (the `no-pong` fault); echoes go on. */
  stopAnsweringPings(): void {
    this.answersPings = false;
  }

  /** Every ping gets its pong (ws's automatic pongs are off: see {@link Backpressure.pong}). */
  onPing(data: Buffer): void {
    this.idleTimer?.refresh();
    // No pong after a close frame (as ws does), nor after a drop's FIN: a write after end would destroy the socket and
    // cut the last echo.
    if (!this.answersPings || this.dropped || this.ws.readyState !== this.ws.OPEN) return;
    this.echoes.corkForThisRead(); // the pongs of a ping flood leave in one write, after the echoes before them
    this.backpressure.pong(data);
  }

  /**
   * Sends a message of the server's own (a test's), after every echo before it, whole or in `frames` (payload sizes
   * adding up to its length, checked by the caller). With a fault queue it joins the queue as an echo would (delay,
   * throttle, fragment unless `frames` says), but it is no echo: nothing counts it as one.
   */
  send(data: OutgoingData, isBinary: boolean, frames?: readonly number[]): void {
    if (this.queue !== undefined) return this.queue.sendOwn(bytesOf(data), isBinary, frames);
    this.echoes.flush();
    if (frames === undefined) this.ws.send(data, { binary: isBinary });
    else sendInFrames(this.ws, bytesOf(data), isBinary, frames);
  }

  /** Bytes queued for the client and not yet written: ws's and the socket's, and what waits in the fault queue. */
  get bufferedAmount(): number {
    return this.queue === undefined ? this.ws.bufferedAmount : this.ws.bufferedAmount + this.queue.waitingBytes;
  }

  /** Every close `ws` sends comes here: answering a peer's close, a protocol error, or ours. */
  onCloseRequested(code?: number, reason?: string | Buffer): void {
    this.lastCloseCode = code;
    if (this.dropped) return; // the TCP connection is already ending: no frames after that
    if (peerCloseReceived(this.ws)) {
      this.initiator ??= 'client';
      if (this.settings.modeRules.ending === 'drop') return this.drop('close frame not answered, as the mode says');
      code ??= CLOSE_NORMAL; // RFC 6455 §5.5.1: answer a bare close frame with a status, not an empty one
    } else {
      this.initiator ??= 'server';
      // ws closes for a protocol error with a bare code; the client is told why.
      reason ??= protocolErrorReason(this.ws, this.settings.limits);
      this.cause ??= typeof reason === 'string' && reason ? reason : 'protocol error';
    }
    if (this.sentCode === undefined) {
      this.sentCode = code;
      this.sentReason = reason === undefined ? '' : reason.toString();
    }
    this.echoes.flush(); // the close frame goes after the echoes before it
    sendCloseFrame(this.ws, code, reason);
    // Nothing more is echoed (delayed echoes are dropped now, not at their time), so reading is bounded again: read on
    // to see the client's answer, or that it left.
    this.stopEchoing();
    this.backpressure.release();
  }

  onError(error: Error): void {
    this.settings.counters.protocolErrors++;
    this.settings.logger.log({
      event: 'protocol-error',
      id: this.id,
      code: this.dropped ? CLOSE_ABNORMAL : (this.lastCloseCode ?? CLOSE_PROTOCOL_ERROR),
      error: error.message,
    });
  }

  onClose(code: number, reason: Buffer): void {
    this.pings?.rejectAll(`ping(): connection #${this.id} closed before the pong arrived`);
    clearTimeout(this.idleTimer);
    clearTimeout(this.lingerTimer);
    const received = peerCloseReceived(this.ws);
    // After a protocol error ws closes TCP once its close frame is written, without reading the
    // answer: the client saw a clean close with our code and reason, and so does the log.
    const failedCleanly = !received && this.initiator === 'server' && !this.dropped && ownCloseSent(this.ws);
    const shownCode = received ? code : (this.sentCode ?? CLOSE_ABNORMAL);
    this.settings.counters.closesByCode.set(shownCode, (this.settings.counters.closesByCode.get(shownCode) ?? 0) + 1);
    this.settings.logger.log({
      event: 'close',
      id: this.id,
      code: shownCode,
      reason: received ? reason.toString() : this.sentReason,
      clean: (received && this.sentCode !== undefined) || failedCleanly,
      initiator: this.initiator ?? 'client',
      ...(this.cause === undefined ? {} : { cause: this.cause }),
      durationMs: Date.now() - this.startedAt,
      messages: this.messages,
    });
    this.onClosed(this);
  }

  /** Echoes nothing more: later messages are not echoed, and echoes still waiting in the fault queue are dropped. */
  stopEchoing(): void {
    this.echoesLeft = 0;
    this.queue?.discard();
  }

  /** Runs `action` once the writer has written every echo sent so far. */
  whenEchoesWritten(action: () => void): void {
    const retired = this.retired;
    if (retired === undefined) this.afterGreeting(() => this.echoes.whenWritten(action));
    else this.afterGreeting(() => retired.whenWritten(() => this.echoes.whenWritten(action)));
  }

  /** A fault reset the TCP connection for `cause`: nothing may be written after it. */
  endedByReset(cause: string): void {
    this.initiator ??= 'server';
    this.cause ??= cause;
    this.dropped = true;
    this.echoesLeft = 0;
  }

  /**
   * Ends the TCP connection with no close frame, once every echo already handed to the writer is written (echoes still
   * waiting for their delay are dropped); what `drop` modes do, and a test's `client.drop()`.
   */
  drop(cause: string): void {
    if (this.dropped) return;
    this.dropped = true;
    this.stopEchoing();
    this.initiator ??= 'server';
    this.cause ??= cause;
    this.backpressure.release(); // so the peer's FIN is read
    // A peer that never reads the echo, or never closes its side after our FIN, is not kept around.
    this.lingerTimer = setTimeout(() => this.socket.destroy(), DROP_STALL_MS);
    this.socket.once('finish', () => {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = setTimeout(() => this.socket.destroy(), DROP_LINGER_MS);
    });
    this.whenEchoesWritten(() => this.socket.end()); // FIN once the echo is flushed (compressed: once it exists)
  }

  /** Server-initiated end as the mode says: a close frame with `code`, or a drop. */
  end(code: number, reason: string): void {
    if (this.settings.modeRules.ending === 'drop') this.drop(reason);
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
    // Both close frames went through: what is late is the client's end of TCP, not the handshake.
    const handshakeDone = peerCloseReceived(this.ws) && this.sentCode !== undefined;
    this.cause ??= handshakeDone ? 'close handshake done, but the client did not close TCP' : cause;
    this.socket.destroy();
  }

  /** One heartbeat: pings, and drops the client if it did not answer the last ping. */
  heartbeat(): void {
    if (this.dropped) return; // a ping after our FIN would be a write after end
    // A client the test paused cannot be read, so its pong cannot be: it is not dropped for that.
    if (!this.answeredLastPing && !this.backpressure.held) return this.terminate('no pong to the last ping');
    this.answeredLastPing = false;
    this.echoes.flush();
    this.ws.ping();
  }

  // -- control from the test --

  /** A pong arrived (heard only once a test pinged): answers the test's ping with its payload. */
  onPong(data: Buffer): void {
    this.pings?.answer(data);
  }

  /** Stops reading from the client until {@link resumeReading} (a test's `client.pause()`). */
  pauseReading(): void {
    this.backpressure.hold();
  }

  /** Reads again, unless backpressure or the client's share of this turn still holds it. */
  resumeReading(): void {
    this.answeredLastPing = true; // a pong it could not send while paused is not held against it
    this.backpressure.unhold();
  }

  /** Whether a test paused reading. */
  get readingPaused(): boolean {
    return this.backpressure.held;
  }

  /** Pings with `data` after the echoes before it; resolves with the pong (see {@link PingWaits}). */
  ping(data: Buffer, timeoutMs: number, timedOut: () => string): Promise<PongReply> {
    const pings = this.pings ?? (listenForPongs(this.ws), (this.pings = new PingWaits()));
    const refusal = pingRefusal(pings.size, this.ws.bufferedAmount);
    if (refusal !== undefined) return Promise.reject(new Error(refusal));
    const reply = pings.add(data, timeoutMs, timedOut);
    this.echoes.flush();
    this.ws.ping(data);
    return reply;
  }

  /**
   * A test's set(): checks `changes` (throws EchoServerError, nothing changed) and applies them from now. The writer
   * changes in place (the fault queue takes the new delay, throttle and fragment) or, on a connection that had no
   * queue, the queue takes over after what the old writer holds; the `*-after` counts given start from now.
   */
  set(changes: Readonly<Record<string, unknown>>): void {
    const before = this.behaviour;
    const next = behaviourAfterSet(before, changes);
    this.behaviour = next;
    this.answersPings = !next.noPong;
    const queueChanged = ['delay', 'seed', 'throttle', 'fragment'].some((k) => Object.hasOwn(changes, k));
    const recount = ['closeAfter', 'dropAfter', 'resetAfter'].some((k) => Object.hasOwn(changes, k));
    if (recount || (queueChanged && this.queue === undefined)) this.endingsFor(next).change(next, recount);
    else this.endings?.change(next, false);
    if (!queueChanged) return;
    const policy = queuePolicyFor(next) ?? queuePolicyFor({ ...next, delay: 0 })!; // a queue stays, with no delay
    if (this.queue !== undefined) return this.queue.setPolicy(policy);
    this.echoes.flush(); // what the old writer holds goes first
    this.retired = this.echoes;
    this.queue = new QueueSender(this.ws, this.socket, this.backpressure, this.endings!, policy);
    this.echoes = this.queue;
  }

  /** The connection's fault endings, made now (counting the echoes written so far) if it had none. */
  private endingsFor(behaviour: Behaviour): FaultEndings {
    if (this.endings !== undefined) return this.endings;
    const { messagesToEcho } = this.settings.modeRules;
    const echoed = Number.isFinite(messagesToEcho) ? messagesToEcho - this.echoesLeft : 0;
    const { socket, settings } = this;
    this.endings = new FaultEndings(this, socket, behaviour, settings.modeRules, settings.logger, echoed);
    this.echoes.reportTo(this.endings);
    return this.endings;
  }
}
