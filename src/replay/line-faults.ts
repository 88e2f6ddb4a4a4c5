// A script's `set` lines: the behaviours set on the connection, and those the player applies to its own server lines.
import { PLAIN_BEHAVIOUR, type Behaviour } from '../behaviour/behaviour';
import { delayPicker, seededRandom } from '../behaviour/random';
import { behaviourAfterSet } from '../behaviour/settings';
import type { PlayedClient } from './player';

const NO_DELAY = (): number => 0;

/** The endings counted in server lines, as a table: the behaviour's name and what it does when its count is reached. */
const COUNTED_ENDINGS: readonly [keyof Behaviour, (client: PlayedClient, behaviour: Behaviour) => void][] = [
  ['resetAfter', (client) => client.set({ resetAfter: 0 })],
  ['dropAfter', (client) => client.drop()],
  ['closeAfter', (client, b) => client.close(b.closeCode, b.closeReason)],
];

/**
 * One playing connection's set behaviours. Each `set` but its `delay` goes to `client.set()` (so `noPong`, `fragment`,
 * `throttle` and `*-after: 0` act on the connection as they would in a test); the server lines that follow are sent
 * `delay` ms late by the player, and `closeAfter`, `dropAfter` and `resetAfter` count server lines sent (a replay
 * sends no echoes for them to count).
 */
export class LineFaults {
  private behaviour: Behaviour = PLAIN_BEHAVIOUR;
  private pickDelay = NO_DELAY;
  private sent = 0;

  constructor(private readonly client: PlayedClient) {}

  /**
   * Applies a line's `set` (checked when the file was read). The `delay` stays here: the player waits it before each
   * server line and ping, so the connection's fault queue must not delay the same send again; `fragment` and
   * `throttle` go to the connection, whose fault queue shapes the server lines.
   */
  set(changes: Readonly<Record<string, unknown>>): void {
    const { delay: _delayedByThePlayer, ...forConnection } = changes;
    this.client.set(forConnection);
    this.behaviour = behaviourAfterSet(this.behaviour, changes);
    const { delay, seed } = this.behaviour;
    this.pickDelay =
      delay === undefined ? NO_DELAY : delayPicker(delay, seed === undefined ? Math.random : seededRandom(seed));
    if (COUNTED_ENDINGS.some(([name]) => Object.hasOwn(changes, name))) this.sent = 0;
  }

  /** How long the next server line waits besides its time. */
  delay(): number {
    return this.pickDelay();
  }

  /** A server line was sent: ends the connection when a count is reached. */
  afterSend(): void {
    this.sent++;
    const due = COUNTED_ENDINGS.find(([name]) => this.behaviour[name] === this.sent);
    due?.[1](this.client, this.behaviour);
  }
}
