// The listener of a connection with reply rules, chosen at set-up: the first matching rule answers a message through
// the connection's one writer; an unmatched message goes on to the echo as before.
import type { RuleRunner } from '../rules/runner';
import { RuleFailure } from '../rules/runner';
import type { EchoConnection } from './connection';
import type { WebSocketEvents } from './shared-listeners';

/**
 * ws's events for a connection whose server has rules: a message is first offered to the rules (in order, first match
 * wins); every other event goes to the connection unchanged. A connection without rules never meets this class.
 */
export class RuleEvents implements WebSocketEvents {
  constructor(
    private readonly connection: EchoConnection,
    private readonly runner: RuleRunner,
  ) {}

  onMessage(data: Buffer, isBinary: boolean): void {
    let decision;
    try {
      decision = this.runner.decide(data, isBinary);
    } catch (error) {
      if (!(error instanceof RuleFailure)) throw error;
      return this.connection.ruleFailed(data, isBinary, error);
    }
    if (decision === undefined) this.connection.onMessage(data, isBinary);
    else this.connection.answerByRule(data, isBinary, decision);
  }

  onError(error: Error): void {
    this.connection.onError(error);
  }

  onClose(code: number, reason: Buffer): void {
    this.connection.onClose(code, reason);
  }

  onPing(data: Buffer): void {
    this.connection.onPing(data);
  }

  onPong(data: Buffer): void {
    this.connection.onPong(data);
  }

  onCloseRequested(code?: number, reason?: string | Buffer): void {
    this.connection.onCloseRequested(code, reason);
  }
}
