// A script's inbox: the client's messages read as they come (its rules answer first), a few kept unread, then paused.
import type { ReceivedMessage } from '../core/client-types';
import type { EchoRule } from '../core/rule-types';
import type { RuleRunner } from '../rules/runner';
import type { PlayedClient } from './player';
import { answered, nextOf, runnerFor } from './script-rules';

/** Client messages the script has not read yet that a connection keeps; one more stops reading from the client. */
export const SCRIPT_UNREAD_MAX_MESSAGES = 100;
/** Bytes of unread client messages a connection keeps (one message is always taken, however large). */
export const SCRIPT_UNREAD_MAX_BYTES = 1024 * 1024;
/** A page's mocked WebSocket cannot stop reading: past this many unread messages it is closed with 1008. */
export const MOCK_UNREAD_MAX_MESSAGES = 1000;

/** Where a script reads the client's messages from. */
export interface Inbox {
  /** The next message no rule took; undefined once the connection has ended with none left. */
  next(): Promise<ReceivedMessage | undefined>;
  /** Whether a rule's `close` or `drop` ended the connection (the script then ends without a mismatch). */
  readonly endedByRule: boolean;
}

/** The messages read but not yet read by the script, their bytes, and whether the client was paused for them. */
class Unread {
  readonly messages: ReceivedMessage[] = [];
  private bytes = 0;
  paused = false;

  constructor(private readonly client: PlayedClient) {}

  /** Keeps a message; past the bounds, stops reading from the client (a mock, which cannot, is closed with 1008). */
  push(message: ReceivedMessage): void {
    this.messages.push(message);
    this.bytes += message.data.length;
    if (!this.full() || this.paused) return;
    if (this.client.pause === undefined) {
      if (this.messages.length > MOCK_UNREAD_MAX_MESSAGES) this.client.close(1008, 'too many messages unread');
      return;
    }
    this.client.pause();
    this.paused = true;
  }

  /** The oldest kept message; reading from the client resumes once the script has caught up below the bounds. */
  shift(): ReceivedMessage | undefined {
    const message = this.messages.shift();
    if (message !== undefined) this.bytes -= message.data.length;
    if (this.paused && !this.full()) {
      this.paused = false;
      if (this.client.isOpen) this.client.resume?.();
    }
    return message;
  }

  private full(): boolean {
    if (this.client.pause === undefined) return this.messages.length > MOCK_UNREAD_MAX_MESSAGES;
    return this.messages.length >= SCRIPT_UNREAD_MAX_MESSAGES || this.bytes >= SCRIPT_UNREAD_MAX_BYTES;
  }
}

/**
 * The inbox of a connection: every message is read as it comes and tried against the script's rules first (so a
 * heartbeat is answered while the script waits for its time); one no rule takes waits for the script, bounded.
 */
export function inboxFor(client: PlayedClient, rules: readonly EchoRule[] | undefined): Inbox {
  const runner: RuleRunner | undefined = rules?.length ? runnerFor(rules) : undefined;
  const unread = new Unread(client);
  let waiter: ((message: ReceivedMessage | undefined) => void) | undefined;
  let ended = false;
  let endedByRule = false;
  const hand = (message: ReceivedMessage | undefined): void => {
    const waiting = waiter;
    waiter = undefined;
    waiting?.(message);
  };
  const take = (message: ReceivedMessage): void => {
    if (!client.isOpen) return;
    const taken = runner === undefined ? 'no' : answered(client, runner, message);
    endedByRule ||= taken === 'ended';
    if (taken !== 'no') return;
    if (waiter) hand(message);
    else unread.push(message);
  };
  void (async () => {
    try {
      for (let message = await nextOf(client); message !== undefined; message = await nextOf(client)) take(message);
    } catch {
      if (client.isOpen) client.close(1011, 'replay failed'); // a rule's own failure is answered inside answered()
    }
    ended = true;
    hand(undefined);
  })();
  return {
    next: () => {
      const message = unread.shift();
      if (message !== undefined || ended) return Promise.resolve(message);
      return new Promise((resolve) => (waiter = resolve));
    },
    get endedByRule() {
      return endedByRule;
    },
  };
}
