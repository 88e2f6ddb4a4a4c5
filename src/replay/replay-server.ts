// startReplay(): a server whose every connection plays a transcript, on the echo server with echo off.
import type { EchoClient } from '../core/client-types';
import { readBoundedFile } from '../core/bounded-file';
import { EchoServerError } from '../core/errors';
import type { EchoServer, EchoServerOptions } from '../core/types';
import { startEchoServer } from '../server/server';
import {
  play,
  ReplayFailedError,
  ReplayMismatchError,
  scriptFor,
  type PlayedClient,
  type PlaySettings,
  type ReplayEnd,
} from './player';
import { isHar, transcriptOfHar } from './har';
import { parseTranscript, type Transcript } from './transcript';

/** What {@link startReplay} takes: a transcript, how to play it, and any server option. */
export interface ReplayOptions extends Omit<EchoServerOptions, 'echo' | 'rules'> {
  /** The transcript file (JSON Lines, docs/transcripts.md). */
  transcript: string;
  /** Recorded times are divided by this (default 1); `'max'` sends server lines without waiting. */
  speed?: number | 'max';
  /** After the script: `close` as recorded (default), `stay-open`, or `loop` (play it again). */
  end?: ReplayEnd;
}

/** A replaying server: an {@link EchoServer} whose connections play the transcript. */
export interface ReplayServer extends EchoServer {
  /**
   * How `client`'s replay went: resolves when it played to the end, rejects with a {@link ReplayMismatchError} (the
   * step, what was expected, what came) when the client strayed; the connection was then closed with 4400.
   * Kept for the newest 1,000 connections.
   * @example await expect(replay.outcome(await replay.nextConnection())).resolves.toBeUndefined();
   */
  outcome(client: EchoClient | number): Promise<void>;
}

/** Outcomes kept for connections a test may still ask about. */
const OUTCOMES_KEPT = 1000;

const ENDS: readonly ReplayEnd[] = ['close', 'stay-open', 'loop'];

/** Largest transcript or HAR file a replay reads (bytes): it is read whole, and its lines kept for every connection. */
export const MAX_TRANSCRIPT_BYTES = 256 * 1024 * 1024;

/** `--replay-speed` as written: a decimal number (`2`, `0.5`, `1e-3`) or `max`. */
const SPEED_TEXT = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * `--replay-speed` parsed strictly: `max`, or a decimal number above 0; throws {@link EchoServerError} (exit code 2)
 * echoing the text as given.
 */
export function speedFromFlag(text: string): number | 'max' {
  const speed = SPEED_TEXT.test(text) ? Number(text) : NaN;
  if (text === 'max' || (speed > 0 && Number.isFinite(speed))) return text === 'max' ? 'max' : speed;
  throw new EchoServerError(
    `--replay-speed must be a decimal number above 0 (such as 2 or 0.5) or 'max', got ${JSON.stringify(text)}`,
    2,
  );
}

/** The play settings checked; throws {@link EchoServerError} (exit code 2) naming the bad one. */
export function playSettings(speed: unknown = 1, end: unknown = 'close'): PlaySettings {
  if (speed !== 'max' && !(typeof speed === 'number' && speed > 0 && Number.isFinite(speed)))
    throw new EchoServerError(
      `replay speed (--replay-speed, speed) must be a number above 0 or 'max', got ${JSON.stringify(speed)}`,
      2,
    );
  if (!ENDS.includes(end as ReplayEnd))
    throw new EchoServerError(
      `replay end (--replay-end, end) must be one of ${ENDS.join(', ')}, got ${JSON.stringify(end)}`,
      2,
    );
  return { speed, end: end as ReplayEnd };
}

/** The text parsed as one JSON value, or undefined (a transcript of more than one line is not one value). */
function wholeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads and checks a transcript file, or a HAR file (told by its content: a JSON object with `log.entries`); throws
 * {@link EchoServerError} (exit code 2).
 */
export function readTranscript(path: string): Transcript {
  const text = readBoundedFile(
    path,
    MAX_TRANSCRIPT_BYTES,
    (reason) => new EchoServerError(`cannot read the transcript ${path}: ${reason}`, 2),
    (size) => `it is ${size} bytes, over the ${MAX_TRANSCRIPT_BYTES / 1024 / 1024} MiB a replay reads`,
  ).toString('utf8');
  const whole = wholeJson(text);
  return isHar(whole) ? transcriptOfHar(whole, path) : parseTranscript(text, path);
}

/**
 * The server options a transcript needs: no echo, messages kept for the script to read (the CLI keeps none), the
 * subprotocols it recorded (none if it recorded none), and permessage-deflate if it was agreed.
 */
export function replayServerOptions(transcript: Transcript): EchoServerOptions {
  const protocols = [...new Set(transcript.connections.map(({ open }) => open.protocol).filter(Boolean))];
  const deflate = transcript.connections.some(({ open }) => open.extensions.includes('permessage-deflate'));
  return { echo: false, record: true, protocols, ...(deflate ? { deflate } : {}) };
}

/** Told of each message a script sends (its lines and its rules' answers), to count them. */
export type SentTally = (id: number, data: string | Buffer | ArrayBuffer | ArrayBufferView) => void;

/** `client` as the player uses it, each message it sends told to `sent` (the server counts only echoes). */
function counting(client: EchoClient, sent: SentTally): PlayedClient {
  return {
    get id() {
      return client.id;
    },
    get isOpen() {
      return client.isOpen;
    },
    get bufferedAmount() {
      return client.bufferedAmount;
    },
    get closed() {
      return client.closed;
    },
    send: (data, options) => {
      client.send(data, options);
      sent(client.id, data);
    },
    close: (code, reason) => client.close(code, reason),
    drop: () => client.drop(),
    set: (behaviour) => client.set(behaviour),
    ping: (data) => client.ping(data),
    nextMessage: (options) => client.nextMessage(options),
  };
}

/**
 * Makes every connection of `server` play `transcript`; `report` hears of each mismatch and each failure (a
 * {@link ReplayFailedError}: the connection was closed with 1011; the CLI logs both), `sent` of each message a script
 * sends. Returns each outcome by id.
 */
export function playEveryConnection(
  server: Pick<EchoServer, 'on'>,
  transcript: Transcript,
  settings: PlaySettings,
  report: (error: ReplayMismatchError | ReplayFailedError) => void,
  sent?: SentTally,
): Map<number, Promise<void>> {
  const outcomes = new Map<number, Promise<void>>();
  server.on('connection', (_event, client) => {
    const played = sent ? counting(client, sent) : client;
    const outcome = play(played, scriptFor(transcript.connections, client.path), settings);
    outcome.catch((error: unknown) => {
      if (error instanceof ReplayMismatchError || error instanceof ReplayFailedError) report(error);
      else report(new ReplayFailedError(client.id, 0, error instanceof Error ? error : new Error(String(error))));
    });
    outcomes.set(client.id, outcome);
    if (outcomes.size > OUTCOMES_KEPT) outcomes.delete(outcomes.keys().next().value!);
  });
  return outcomes;
}

/**
 * Starts a server that replays a transcript: each connection plays the recorded connection with its path (or the
 * first), server lines at their recorded times, client lines awaited and matched.
 * @example const replay = await startReplay({ transcript: 'feed.jsonl', port: 0, speed: 'max' });
 */
export async function startReplay(options: ReplayOptions): Promise<ReplayServer> {
  const { transcript: path, speed, end, ...serverOptions } = options;
  const settings = playSettings(speed, end);
  const transcript = readTranscript(path);
  const server = await startEchoServer({ ...serverOptions, ...replayServerOptions(transcript) });
  const outcomes = playEveryConnection(server, transcript, settings, () => undefined);
  return Object.assign(server, {
    outcome(client: EchoClient | number): Promise<void> {
      const id = typeof client === 'number' ? client : client.id;
      return outcomes.get(id) ?? Promise.reject(new Error(`no replay outcome kept for connection #${id}`));
    },
  });
}
