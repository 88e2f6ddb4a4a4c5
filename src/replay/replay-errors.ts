// What a replayed connection's outcome rejects with: a mismatch, or a failure, each naming the line and step.

/** The close code of a replay mismatch: the client sent something the transcript did not expect. */
export const CLOSE_REPLAY_MISMATCH = 4400;
/** The close reason of a replay mismatch. */
export const REPLAY_MISMATCH_REASON = 'replay mismatch';

/** Where a step is, as errors name it: `feed.jsonl:7 (step 2)`, or `step 2` for a script built in code. */
const placeOf = (step: number, line: string | undefined): string => (line ? `${line} (step ${step})` : `step ${step}`);

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
    /** Where the line is written (`feed.jsonl:7`; a HAR's entry and message), when the script came from a file. */
    readonly line?: string,
  ) {
    super(`#${client} replay mismatch at ${placeOf(step, line)}:\n  expected: ${expected}\n  came:     ${came}`);
    this.name = 'ReplayMismatchError';
  }
}

/** The close code when playing failed for a reason other than the client (a bug, or a line no check caught). */
export const CLOSE_REPLAY_FAILED = 1011;

/** Playing a connection's script failed unexpectedly: the connection was closed with {@link CLOSE_REPLAY_FAILED}. */
export class ReplayFailedError extends Error {
  constructor(
    /** The connection (`#3` in the log). */
    readonly client: number,
    /** The step of the script that failed. */
    readonly step: number,
    /** What went wrong. */
    override readonly cause: Error,
    /** Where the line is written, when the script came from a file. */
    readonly line?: string,
  ) {
    super(`#${client} replay failed at ${placeOf(step, line)}: ${cause.message}`);
    this.name = 'ReplayFailedError';
  }
}

/** What a mismatch shows as having come when the client left instead. */
export const CONNECTION_ENDED = 'the connection ended';
