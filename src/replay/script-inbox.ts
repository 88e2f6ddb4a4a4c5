// A script's inbox: the client's messages read as they come (its rules answer first), a few kept unread, then paused.
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKPRESSURE_HIGH_WATER } from '../core/constants';
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

/** How often, in ms, a client paused for its rules' unwritten answers is checked for having taken them in. */
const DRAIN_CHECK_MS = 5;

/** Why reading from a client stops: the script has too much unread, or rules' answers wait unwritten. */
type HoldReason = 'unread' | 'answers';

/** Reading from a client, stopped while any reason holds it and resumed once none does. */
class ReadGate {
  private readonly reasons = new Set<HoldReason>();

  constructor(private readonly client: PlayedClient) {}

  /** Stops reading for `reason` (a client that cannot pause is left as it is). */
  hold(reason: HoldReason): void {
    if (this.reasons.size === 0) this.client.pause?.();
    this.reasons.add(reason);
  }

  /** Ends `reason`'s hold; reading resumes once nothing holds it. */
  release(reason: HoldReason): void {
    if (!this.reasons.delete(reason) || this.reasons.size > 0) return;
    if (this.client.isOpen) this.client.resume?.();
  }

  /** Whether `reason` holds reading. */
  holds(reason: HoldReason): boolean {
    return this.reasons.has(reason);
  }

  /** Whether over {@link BACKPRESSURE_HIGH_WATER} waits unwritten to a client that can be paused. */
  answersWaiting(): boolean {
    return this.client.pause !== undefined && this.client.bufferedAmount > BACKPRESSURE_HIGH_WATER;
  }

  /** Resolves once the client has taken in what waited (down to the high water), or has left. */
  async written(): Promise<void> {
    while (this.client.isOpen && this.answersWaiting()) await sleep(DRAIN_CHECK_MS);
  }
}

/** The messages read but not yet read by the script and their bytes; past the bounds, reading stops. */
class Unread {
  readonly messages: ReceivedMessage[] = [];
  private bytes = 0;

  constructor(
    private readonly client: PlayedClient,
    private readonly gate: ReadGate,
  ) {}

  /** Keeps a message; past the bounds, stops reading from the client (a mock, which cannot, is closed with 1008). */
  push(message: ReceivedMessage): void {
    this.messages.push(message);
    this.bytes += message.data.length;
    if (!this.full() || this.gate.holds('unread')) return;
    if (this.client.pause === undefined) {
      if (this.messages.length > MOCK_UNREAD_MAX_MESSAGES) this.client.close(1008, 'too many messages unread');
      return;
    }
    this.gate.hold('unread');
  }

  /** The oldest kept message; reading from the client resumes once the script has caught up below the bounds. */
  shift(): ReceivedMessage | undefined {
    const message = this.messages.shift();
    if (message !== undefined) this.bytes -= message.data.length;
    if (!this.full()) this.gate.release('unread');
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
 * Reading stops while the script has too much unread, and while over 1 MiB of answers waits for a client that does
 * not read (a script waiting for a message then waits with it: the client must read to go on, as with echoes).
 */
export function inboxFor(client: PlayedClient, rules: readonly EchoRule[] | undefined): Inbox {
  const runner: RuleRunner | undefined = rules?.length ? runnerFor(rules) : undefined;
  const gate = new ReadGate(client);
  const unread = new Unread(client, gate);
  let waiter: ((message: ReceivedMessage | undefined) => void) | undefined;
  let ended = false;
  let endedByRule = false;
  const hand = (message: ReceivedMessage | undefined): void => {
    const waiting = waiter;
    waiter = undefined;
    waiting?.(message);
  };
  const held: ReceivedMessage[] = []; // read while answers waited unwritten: bounded by what was read before the pause
  const answer = (message: ReceivedMessage): void => {
    // a message that came before the client left is kept for the script; rules answer only an open connection
    const taken = runner === undefined || !client.isOpen ? 'no' : answered(client, runner, message);
    endedByRule ||= taken === 'ended';
    if (taken === 'yes' && !gate.holds('answers') && gate.answersWaiting()) void catchUp();
    if (taken !== 'no') return;
    if (waiter) hand(message);
    else unread.push(message);
  };
  const catchUp = async (): Promise<void> => {
    gate.hold('answers'); // a client that does not read its answers is not read either (the echoes' 1 MiB bound)
    do {
      await gate.written();
      while (client.isOpen && held.length > 0 && !gate.answersWaiting()) answer(held.shift()!);
    } while (client.isOpen && held.length > 0);
    held.length = 0;
    gate.release('answers');
  };
  const take = (message: ReceivedMessage): void => {
    if (gate.holds('answers')) held.push(message);
    else answer(message);
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
