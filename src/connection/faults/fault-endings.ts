// The faults that end a connection after n echoes written (close-after, drop-after, reset-after), as the connection's
// echo listener: chosen at set-up, so a plain connection never counts for them.
import { clearTimeout, setTimeout } from 'node:timers';
import type { Duplex } from 'node:stream';
import type { Behaviour } from '../../behaviour/behaviour';
import type { ModeRules } from '../../behaviour/modes';
import type { Logger } from '../../log/logger';
import type { EchoWritten } from '../echo-sender';
import { RESET_WAIT_MS, resetSocket, whenAcknowledged } from './reset';

/** What the fault endings may ask of their connection; nothing else of it is theirs. */
export interface FaultTarget extends EchoWritten {
  readonly id: number;
  /** Echoes nothing more; echoes waiting in the fault queue are dropped. */
  stopEchoing(): void;
  /** Runs `action` once every echo sent so far is written (the connection's one writer says when). */
  whenEchoesWritten(action: () => void): void;
  /** Ends TCP with a FIN after the echoes before it, with no close frame. */
  drop(cause: string): void;
  /** Sends a close frame, for `cause`. */
  closeWith(code: number, reason: string, cause: string): void;
  /** The connection ends now for `cause`, by a reset: nothing may be written after it. */
  endedByReset(cause: string): void;
}

/** Whether `behaviour` ends the connection after a number of echoes (the faults {@link FaultEndings} implements). */
export function endsAfterEchoes(behaviour: Behaviour): boolean {
  return behaviour.closeAfter !== undefined || behaviour.dropAfter !== undefined || behaviour.resetAfter !== undefined;
}

/** `1 echo written`, `3 echoes written`: what a fault line opens with. */
const echoesWritten = (count: number): string => `${count} echo${count === 1 ? '' : 'es'} written`;

/**
 * Counts echoes as the connection's writer hands them over, and ends the connection when a fault (or the mode) says:
 * a close frame, a drop, or a reset once the client's TCP has taken in every echo before it.
 */
export class FaultEndings implements EchoWritten {
  private written: number;
  /** Echoes written when the `*-after` counts started: 0 at the open, more after a test's set() gave one. */
  private countedFrom: number;

  /**
   * @param target the connection
   * @param socket its socket, which a reset ends
   * @param faults its behaviour (the `*-after` counts and the close code and reason)
   * @param rules its mode, which ends it after its last echo
   * @param echoedBefore echoes written before these endings existed (a test's set() adds them to an open connection)
   */
  constructor(
    private readonly target: FaultTarget,
    private readonly socket: Duplex,
    private faults: Behaviour,
    private readonly rules: ModeRules,
    private readonly logger: Logger,
    echoedBefore = 0,
  ) {
    this.written = this.countedFrom = echoedBefore;
  }

  /** Fires what is due after 0 echoes (`close-after=0`, ...); called once set-up is done (after a greeting). */
  start(): void {
    this.afterEchoes(this.written);
  }

  /**
   * A test's set() changed the faults; with `recount` (it gave a `*-after` count) the counts start again from now, and
   * what is due after 0 echoes fires at once.
   */
  change(faults: Behaviour, recount: boolean): void {
    this.faults = faults;
    if (!recount) return;
    this.countedFrom = this.written;
    this.afterEchoes(this.written);
  }

  /** The writer handed an echo to ws: count it, then end if a fault or the mode says so. */
  echoWritten(echo: Buffer, isBinary: boolean): void {
    this.target.echoWritten(echo, isBinary); // the connection counts it
    this.afterEchoes(++this.written);
  }

  /** What happens once `total` echoes are written since the open: a fault's end, or the mode's. */
  private afterEchoes(total: number): void {
    const { resetAfter, dropAfter, closeAfter } = this.faults;
    const { messagesToEcho } = this.rules;
    const count = total - this.countedFrom;
    if (count === resetAfter) {
      this.resetAfterWritten(count);
    } else if (count === dropAfter) {
      this.fault('drop-after', `${echoesWritten(count)}: ending TCP with no close frame`);
      this.target.drop(`drop-after=${count}`);
    } else if (count === closeAfter) {
      this.closeAsAsked(count);
    } else if (total === messagesToEcho && total > 0) {
      // 0: `echo: false`, nothing to end on
      this.target.drop(messagesToEcho === 1 ? 'first message echoed' : `${messagesToEcho} messages echoed`);
    }
  }

  /** Sends the close frame `close-code`/`close-reason` asks for; modes that drop end TCP right after it. */
  private closeAsAsked(count: number): void {
    const { closeCode, closeReason = '' } = this.faults;
    const dropping = this.rules.ending === 'drop';
    this.fault(
      'close-after',
      `${echoesWritten(count)}: closing with ${closeCode}${closeReason ? ` ${JSON.stringify(closeReason)}` : ''}${dropping ? ', then ending TCP' : ''}`,
    );
    const cause = `close-after=${count}`;
    this.target.stopEchoing();
    this.target.closeWith(closeCode, closeReason, cause);
    if (dropping) this.target.drop(cause);
  }

  /**
   * Resets once the echoes are written and the client's TCP has acknowledged them (an RST makes the kernel discard
   * whatever it still holds), or at the latest {@link RESET_WAIT_MS} after the n-th echo was handed to the writer.
   */
  private resetAfterWritten(count: number): void {
    this.target.stopEchoing();
    let done = false;
    const reset = (): void => {
      if (done) return;
      done = true;
      clearTimeout(bound);
      this.reset(count);
    };
    // The bound counts from now, when the echo was handed to the writer: with compression or the fault queue the
    // writer says "written" only once the socket has taken it, which a client that never reads holds off for ever.
    const bound = setTimeout(reset, RESET_WAIT_MS);
    this.target.whenEchoesWritten(() => whenAcknowledged(this.socket, reset));
  }

  private reset(count: number): void {
    if (this.socket.destroyed) return;
    this.target.endedByReset(`reset-after=${count}`);
    this.fault('reset-after', `${echoesWritten(count)}: ${resetSocket(this.socket)}`);
  }

  private fault(fault: string, detail: string): void {
    this.logger.log({ event: 'fault', id: this.target.id, fault, detail });
  }
}
