// One connection playing a recorded connection: server lines sent on time, client lines awaited and matched.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { BACKPRESSURE_HIGH_WATER } from '../core/constants';
import type { EchoClient } from '../core/client-types';
import type { RuleCaptures } from '../core/rule-types';
import { LineFaults } from './line-faults';
import { matches, outgoingOf, showExpected, showMessage } from './match';
import { dueTime, pause, type Clock } from './script-time';
import { inboxFor, type Inbox } from './script-inbox';
import type { EndLine, MessageLine, RecordedConnection, ScriptStep } from './transcript';
import {
  CLOSE_REPLAY_FAILED,
  CLOSE_REPLAY_MISMATCH,
  CONNECTION_ENDED,
  REPLAY_MISMATCH_REASON,
  ReplayFailedError,
  ReplayMismatchError,
} from './replay-errors';

export {
  CLOSE_REPLAY_FAILED,
  CLOSE_REPLAY_MISMATCH,
  REPLAY_MISMATCH_REASON,
  ReplayFailedError,
  ReplayMismatchError,
} from './replay-errors';

/** What the player uses of a connection: a server's {@link EchoClient}, or a page's mocked WebSocket (route-client). */
export type PlayedClient = Pick<
  EchoClient,
  'id' | 'isOpen' | 'bufferedAmount' | 'send' | 'close' | 'drop' | 'set' | 'ping' | 'closed' | 'nextMessage'
> & {
  /** A page's mocked WebSocket: no frames, pings or faults to set (their lines are skipped). */
  readonly mock?: boolean;
  /** Stops reading from the client while the script has enough unread (a server's client; a mock cannot). */
  pause?(): void;
  /** Reads from the client again. */
  resume?(): void;
  /** Closes as `close` does, naming what ended it in the log (a server's client; a mock closes with `close`). */
  closeAs?(code: number | undefined, reason: string | undefined, cause: string): void;
};

/** What the log says ended a connection the transcript closed. */
const CLOSED_BY_TRANSCRIPT = 'closed by the transcript';

/** Closes `client` for the transcript: its close line, or a mismatch or failure. */
function closeForTranscript(client: PlayedClient, code: number | undefined, reason: string | undefined): void {
  if (client.closeAs) client.closeAs(code, reason, CLOSED_BY_TRANSCRIPT);
  else client.close(code, reason);
}

/** What a replay does after the script's last message line. */
export type ReplayEnd = 'close' | 'stay-open' | 'loop';

/** How every connection of a replay plays. */
export interface PlaySettings {
  /** Times are divided by this; `'max'` sends server lines without waiting. */
  speed: number | 'max';
  end: ReplayEnd;
  /** Hears a warning about one connection (the CLI logs it): once per connection whose server pings are refused. */
  warn?: (message: string) => void;
}

/** One connection at play: its client, settings, clock, captures, inbox, set behaviours and the signal of its end. */
interface Playing {
  client: PlayedClient;
  settings: PlaySettings;
  clock: Clock;
  captures: RuleCaptures;
  inbox: Inbox;
  faults: LineFaults;
  stop: AbortSignal;
  /** Lines this round played that send or read a message (a loop round that played none stays open instead). */
  played: number;
  /** Aborted when a round of the script ends: its repeated (`every`) lines stop. */
  roundEnd: AbortController;
  /** Whether a server ping was refused (warned of once). */
  pingsRefused: boolean;
  /** A mock's server lines and bytes sent since the player last let the page catch up ({@link paceMock}). */
  mockSent: { lines: number; bytes: number };
}

/** What a step of the script does, by kind: the table {@link STEPS} plays. */
type StepKind = 'send' | 'ping' | 'expect' | 'skip' | 'end' | 'pause';

/** A line's kind. Client pings and pongs, and server pongs, are skipped (docs/transcripts.md, "Replaying"). */
function kindOf(line: ScriptStep): StepKind {
  if ('from' in line) {
    if (line.from === 's') return line.ping !== undefined ? 'ping' : line.pong !== undefined ? 'skip' : 'send';
    return line.ping !== undefined || line.pong !== undefined ? 'skip' : 'expect';
  }
  return 'event' in line ? 'end' : 'pause';
}

/** The kinds that wait for their time (`t` or `wait`) before playing. */
const TIMED: ReadonlySet<StepKind> = new Set(['send', 'ping', 'pause']);

/** Holds a server line while a client that does not read has more than 1 MiB waiting: what waits stays bounded. */
async function roomToSend(p: Playing, line: MessageLine, step: number): Promise<void> {
  await pause(p.faults.delay(), p.stop);
  while (p.client.isOpen && p.client.bufferedAmount > BACKPRESSURE_HIGH_WATER) await sleep(5);
  if (!p.client.isOpen) throw new ReplayMismatchError(p.client.id, step, showExpected(line), CONNECTION_ENDED);
}

/** A server line: sent, in its recorded `frames` if it has them (a page's mock sends it whole); `every`: repeated. */
async function playSend(p: Playing, line: MessageLine, step: number): Promise<void> {
  await roomToSend(p, line, step);
  p.client.send(outgoingOf(line, p.captures), line.frames && { frames: line.frames });
  p.faults.afterSend();
  if (line.every !== undefined) void repeat(p, line, p.captures, p.roundEnd.signal);
}

/**
 * Sends a server line again every `line.every` ms (as written: speed does not change it) until the round of the
 * script ends or the client leaves; each waits, as any server line, while over 1 MiB waits for the client.
 */
async function repeat(p: Playing, line: MessageLine, captures: RuleCaptures, roundEnd: AbortSignal): Promise<void> {
  const { client } = p;
  const ended = (): boolean => roundEnd.aborted || !client.isOpen;
  while (!ended()) {
    await pause(line.every!, roundEnd);
    while (!ended() && client.bufferedAmount > BACKPRESSURE_HIGH_WATER) await sleep(5);
    if (ended()) return;
    client.send(outgoingOf(line, captures), line.frames && { frames: line.frames });
  }
}

/** How long, in ms, a script waits after a server ping was refused (1,000 already wait for their pongs): no spin. */
export const PING_REFUSED_WAIT_MS = 100;

/**
 * A server ping: sent; its pong (or none) does not hold the script, but the line takes at least a turn. A ping refused
 * at once (a client that leaves 1,000 unanswered) is skipped, warned of once per connection, and the script waits
 * {@link PING_REFUSED_WAIT_MS}. A page's mock has no pings: skipped.
 */
async function playPing(p: Playing, line: MessageLine, step: number): Promise<void> {
  if (p.client.mock) return;
  await roomToSend(p, line, step);
  const ping = p.client.ping(Buffer.from(line.ping!, 'base64')).then(
    () => undefined,
    (error: Error) => error,
  );
  const refused = await Promise.race([ping, nextTurn().then(() => undefined)]);
  if (refused === undefined || !p.client.isOpen) return;
  if (!p.pingsRefused) p.settings.warn?.(`#${p.client.id} server ping lines skipped: ${refused.message}`);
  p.pingsRefused = true;
  await pause(PING_REFUSED_WAIT_MS, p.stop);
}

/** A client line: the client's next message, matched. */
async function playExpect(p: Playing, line: MessageLine, step: number): Promise<void> {
  const message = await p.inbox.next();
  if (message === undefined) throw new ReplayMismatchError(p.client.id, step, showExpected(line), CONNECTION_ENDED);
  if (!matches(line, message, p.captures))
    throw new ReplayMismatchError(p.client.id, step, showExpected(line), showMessage(message.data, message.isBinary));
  p.clock.anchorNow = performance.now();
  p.clock.anchorT = p.clock.lastT = line.t!;
}

/** The recorded ending: the server's close, drop or reset on time, or waits for the client's. */
async function playEnd(p: Playing, line: EndLine): Promise<void> {
  if (p.settings.end !== 'close') return;
  const { client } = p;
  if (line.by === 'c') {
    await client.closed;
    return;
  }
  await dueTime(p.clock, line, p.settings, p.stop);
  if (line.event === 'close') closeForTranscript(client, line.code === 1005 ? undefined : line.code, line.reason);
  else if (line.event === 'drop') client.drop();
  else client.set({ resetAfter: 0 }); // the reset-after fault: an RST once the client has taken in what was sent
  await client.closed;
}

const STEPS: Record<StepKind, (p: Playing, line: never, step: number) => Promise<void>> = {
  send: playSend,
  ping: playPing,
  expect: playExpect,
  skip: async () => undefined,
  end: playEnd,
  pause: async () => undefined,
};

/** The kinds that send or read a message: a loop round with none of them played nothing. */
const PLAYS: ReadonlySet<StepKind> = new Set(['send', 'ping', 'expect']);

/**
 * What a page's mock takes before the player pauses {@link MOCK_PACE_MS}: server lines, or their bytes. A mock reports
 * no `bufferedAmount` and Playwright's send is not acknowledged, so what a page has not taken in is bounded by rate
 * (at most 64 lines or 64 KiB per 5 ms: 12,800 lines or 12.5 MiB a second).
 */
export const MOCK_PACE = { lines: 64, bytes: 64 * 1024 };
/** The pause, in ms, after {@link MOCK_PACE} to a page's mock. */
export const MOCK_PACE_MS = 5;

/** About how many bytes a server line sends (base64 as its bytes; JSON as its text, not filled in). */
const lineBytes = (line: MessageLine): number =>
  line.text?.length ?? (line.binary !== undefined ? (line.binary.length * 3) / 4 : JSON.stringify(line.json).length);

/** After a server line to a mock: a pause once {@link MOCK_PACE} lines or bytes have been sent since the last. */
async function paceMock(p: Playing, line: MessageLine): Promise<void> {
  p.mockSent.lines++;
  p.mockSent.bytes += lineBytes(line);
  if (p.mockSent.lines < MOCK_PACE.lines && p.mockSent.bytes < MOCK_PACE.bytes) return;
  p.mockSent = { lines: 0, bytes: 0 };
  await sleep(MOCK_PACE_MS);
}

/** Plays one line: its time first (for the kinds that have one), then its `set`, then what its kind does. */
async function playStep(p: Playing, line: ScriptStep, step: number): Promise<void> {
  const kind = kindOf(line);
  if (TIMED.has(kind)) await dueTime(p.clock, line as MessageLine, p.settings, p.stop);
  if (line.set !== undefined && !p.client.mock && p.client.isOpen) p.faults.set(line.set);
  await STEPS[kind](p, line as never, step);
  if (PLAYS.has(kind) && !(kind === 'ping' && p.client.mock)) p.played++;
  if (kind === 'send' && p.client.mock) await paceMock(p, line as MessageLine);
}

/** Plays the script once; resolves true if the connection is still open at its end. */
async function playOnce(p: Playing, script: RecordedConnection): Promise<boolean> {
  p.clock = { anchorNow: performance.now(), anchorT: 0, lastT: 0 };
  p.captures = {};
  p.played = 0;
  p.roundEnd = new AbortController();
  try {
    return await playSteps(p, script);
  } finally {
    p.roundEnd.abort(); // the round's repeated lines stop with it
  }
}

/** Plays the steps of one round; resolves true if the connection is still open at their end. */
async function playSteps(p: Playing, script: RecordedConnection): Promise<boolean> {
  for (const [index, line] of script.steps.entries()) {
    // Once the client has left, only its own lines play: each takes a message it sent before leaving, or mismatches
    if (!p.client.isOpen && kindOf(line) !== 'expect') continue;
    try {
      await playStep(p, line, index + 1);
    } catch (error) {
      const place = script.places?.[index];
      if (error instanceof ReplayMismatchError)
        throw new ReplayMismatchError(error.client, error.step, error.expected, error.came, place);
      const cause = error instanceof Error ? error : new Error(String(error));
      throw new ReplayFailedError(p.client.id, index + 1, cause, place);
    }
  }
  return p.client.isOpen;
}

/**
 * Plays `script` on `client`: resolves when it has played to the end (and the connection closed, unless `stay-open`;
 * with `loop`, when the client leaves after a whole round); rejects with {@link ReplayMismatchError} after closing
 * the connection with {@link CLOSE_REPLAY_MISMATCH}, or with {@link ReplayFailedError} after closing it with
 * {@link CLOSE_REPLAY_FAILED} when playing failed otherwise.
 */
export async function play(client: PlayedClient, script: RecordedConnection, settings: PlaySettings): Promise<void> {
  let rounds = 0;
  const ended = new AbortController();
  void client.closed.then(() => ended.abort());
  const p: Playing = {
    client,
    settings,
    clock: { anchorNow: 0, anchorT: 0, lastT: 0 }, // each round starts its own clock and captures
    captures: {},
    inbox: inboxFor(client, script.rules), // one inbox for the connection: its rules' `times` count across rounds
    faults: new LineFaults(client),
    stop: ended.signal,
    played: 0,
    mockSent: { lines: 0, bytes: 0 },
    pingsRefused: false,
    roundEnd: new AbortController(),
  };
  try {
    while (await playOnce(p, script)) {
      rounds++;
      if (settings.end !== 'loop') break;
      if (p.played === 0) {
        await client.closed; // a round that sent and read nothing would only spin: the connection stays open
        break;
      }
      await nextTurn(); // each round on a new turn: a looping script with no waits cannot starve other connections
    }
    if (settings.end === 'stay-open') await client.closed;
  } catch (error) {
    if (error instanceof ReplayFailedError && client.isOpen)
      closeForTranscript(client, CLOSE_REPLAY_FAILED, 'replay failed');
    if (!(error instanceof ReplayMismatchError)) throw error;
    if (error.came === CONNECTION_ENDED && p.inbox.endedByRule) return; // a rule's close or drop ended it
    if (client.isOpen) closeForTranscript(client, CLOSE_REPLAY_MISMATCH, REPLAY_MISMATCH_REASON);
    else if (settings.end === 'loop' && rounds > 0 && error.came === CONNECTION_ENDED) return; // the way a loop ends
    throw error;
  }
}

/** The recorded connection a client plays: the first whose path (with query, then without) is the client's. */
export function scriptFor(connections: readonly RecordedConnection[], path: string): RecordedConnection {
  const pathOf = (recorded: RecordedConnection): string => recorded.open.path.replace(/\?.*$/, '');
  return connections.find((recorded) => pathOf(recorded) === path) ?? connections[0];
}
