// One connection playing a recorded connection: server lines sent on time, client lines awaited and matched.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { BACKPRESSURE_HIGH_WATER } from '../core/constants';
import type { EchoClient, ReceivedMessage } from '../core/client-types';
import type { RuleCaptures } from '../core/rule-types';
import { matches, outgoingOf, showExpected, showMessage } from './match';
import type { EndLine, MessageLine, RecordedConnection } from './transcript';

/** The close code of a replay mismatch: the client sent something the transcript did not expect. */
export const CLOSE_REPLAY_MISMATCH = 4400;
/** The close reason of a replay mismatch. */
export const REPLAY_MISMATCH_REASON = 'replay mismatch';

/** What the player uses of a connection: a server's {@link EchoClient}, or a page's mocked WebSocket (route-client). */
export type PlayedClient = Pick<
  EchoClient,
  'id' | 'isOpen' | 'bufferedAmount' | 'send' | 'close' | 'drop' | 'set' | 'closed' | 'nextMessage'
>;

/** What a replay does after the script's last message line. */
export type ReplayEnd = 'close' | 'stay-open' | 'loop';

/** How every connection of a replay plays. */
export interface PlaySettings {
  /** Times are divided by this; `'max'` sends server lines without waiting. */
  speed: number | 'max';
  end: ReplayEnd;
}

/** A connection did not follow the transcript: which step, what was expected and what came. */
export class ReplayMismatchError extends Error {
  constructor(
    /** The connection (`#3` in the log). */
    readonly client: number,
    /** The step of the script (1 is its first line after the open). */
    readonly step: number,
    /** What the transcript expected, as the diff shows it. */
    readonly expected: string,
    /** What came instead, as the diff shows it. */
    readonly came: string,
  ) {
    super(`#${client} replay mismatch at step ${step}:\n  expected: ${expected}\n  came:     ${came}`);
    this.name = 'ReplayMismatchError';
  }
}

/** What a mismatch shows as having come when the client left instead. */
const CONNECTION_ENDED = 'the connection ended';

/** Where a playing connection stands: its clock anchor and captures. */
interface Cursor {
  anchorNow: number;
  anchorT: number;
  captures: RuleCaptures;
}

/** Waits until the recorded time `t` of a line, counted from the last point the client set the pace. */
async function onTime(cursor: Cursor, t: number, settings: PlaySettings): Promise<void> {
  if (settings.speed === 'max') return;
  const wait = cursor.anchorNow + (t - cursor.anchorT) / settings.speed - performance.now();
  if (wait > 0.5) await sleep(wait);
}

/** The client's next message, or undefined once the connection has ended with nothing left. */
async function nextOf(client: PlayedClient): Promise<ReceivedMessage | undefined> {
  try {
    return await client.nextMessage({ timeout: Infinity });
  } catch {
    return undefined;
  }
}

/** Plays one message line; throws {@link ReplayMismatchError} when the client's message does not match. */
async function playMessage(
  client: PlayedClient,
  line: MessageLine,
  step: number,
  cursor: Cursor,
  settings: PlaySettings,
) {
  if (line.from === 's') {
    await onTime(cursor, line.t, settings);
    // A client that does not read holds the script here: what waits for it stays bounded.
    while (client.isOpen && client.bufferedAmount > BACKPRESSURE_HIGH_WATER) await sleep(5);
    if (!client.isOpen) throw new ReplayMismatchError(client.id, step, showExpected(line), CONNECTION_ENDED);
    client.send(outgoingOf(line, cursor.captures));
    return;
  }
  const message = await nextOf(client);
  if (message === undefined) throw new ReplayMismatchError(client.id, step, showExpected(line), CONNECTION_ENDED);
  if (!matches(line, message, cursor.captures))
    throw new ReplayMismatchError(client.id, step, showExpected(line), showMessage(message.data, message.isBinary));
  cursor.anchorNow = performance.now();
  cursor.anchorT = line.t;
}

/** Plays the recorded ending: the server's close, drop or reset on time, or waits for the client's. */
async function playEnd(client: PlayedClient, line: EndLine, cursor: Cursor, settings: PlaySettings): Promise<void> {
  if (line.by === 'c') {
    await client.closed;
    return;
  }
  await onTime(cursor, line.t, settings);
  if (line.event === 'close') client.close(line.code === 1005 ? undefined : line.code, line.reason);
  else if (line.event === 'drop') client.drop();
  else client.set({ resetAfter: 0 }); // the reset-after fault: an RST once the client has taken in what was sent
  await client.closed;
}

/** Plays the script once; resolves true if the connection is still open at its end. */
async function playOnce(client: PlayedClient, script: RecordedConnection, settings: PlaySettings): Promise<boolean> {
  const cursor: Cursor = { anchorNow: performance.now(), anchorT: 0, captures: {} };
  for (const [index, line] of script.steps.entries()) {
    if ('from' in line) await playMessage(client, line, index + 1, cursor, settings);
    else if (settings.end === 'close') await playEnd(client, line, cursor, settings);
    if (!client.isOpen) return false;
  }
  return client.isOpen;
}

/**
 * Plays `script` on `client`: resolves when it has played to the end (and the connection closed, unless `stay-open`;
 * with `loop`, when the client leaves after a whole round); rejects with {@link ReplayMismatchError} after closing
 * the connection with {@link CLOSE_REPLAY_MISMATCH}.
 */
export async function play(client: PlayedClient, script: RecordedConnection, settings: PlaySettings): Promise<void> {
  let rounds = 0;
  try {
    while (await playOnce(client, script, settings)) {
      rounds++;
      if (settings.end !== 'loop') break;
      await nextTurn(); // each round on a new turn: a looping script with no waits cannot starve other connections
    }
    if (settings.end === 'stay-open') await client.closed;
  } catch (error) {
    if (!(error instanceof ReplayMismatchError)) throw error;
    if (client.isOpen) client.close(CLOSE_REPLAY_MISMATCH, REPLAY_MISMATCH_REASON);
    else if (settings.end === 'loop' && rounds > 0 && error.came === CONNECTION_ENDED) return; // the way a loop ends
    throw error;
  }
}

/** The recorded connection a client plays: the first whose path (with query, then without) is the client's. */
export function scriptFor(connections: readonly RecordedConnection[], path: string): RecordedConnection {
  const pathOf = (recorded: RecordedConnection): string => recorded.open.path.replace(/\?.*$/, '');
  return connections.find((recorded) => pathOf(recorded) === path) ?? connections[0];
}
