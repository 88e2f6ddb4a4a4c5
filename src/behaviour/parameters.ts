// The per-connection behaviours as data: one row per URL query parameter and CLI flag.
import type { BehaviourOptions } from '../core/types';
import { RULES } from '../core/validate';
import { MODE_NAMES } from './modes';

/** How a parameter's value is written, so the URL parser, the CLI, the API and the console page agree. */
export type ParameterKind =
  /** One of `choices`. */
  | 'choice'
  /** A whole number in [`min`, `max`] (and in one of `ranges` when given). */
  | 'integer'
  /** A decimal number in [`min`, `max`] (`0.5`). */
  | 'number'
  /** A whole number or a range `min-max` of whole numbers, each in [`min`, `max`]. */
  | 'integer-range'
  /** Free text of at most `maxBytes` bytes of UTF-8 (escaped wherever it is printed). */
  | 'text'
  /** Present or absent; `=1`/`=true` and `=0`/`=false` also accepted in the URL. */
  | 'flag';

/** One behaviour a connection can choose in its URL and the CLI can set for every connection. */
export interface BehaviourParameter {
  /** Query parameter and CLI flag name (`close-after` is `?close-after=3` and `--close-after 3`). */
  readonly name: string;
  /** The `startEchoServer()` option: the name in camelCase. */
  readonly option: keyof BehaviourOptions;
  readonly kind: ParameterKind;
  /** For `choice`. */
  readonly choices?: readonly string[];
  /** For `integer`, `number` and `integer-range`: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** For `number`: the smallest value other than 0 (0 means off; less would round to 0 ms and turn it off too). */
  readonly minAboveZero?: number;
  /** For `integer`: the value must also fall in one of these inclusive ranges (close codes have gaps). */
  readonly ranges?: ReadonlyArray<readonly [number, number]>;
  /** For `text`: the longest value, in bytes of UTF-8. */
  readonly maxBytes?: number;
  /** Unit shown in help and on the console page (`ms`, `s`, `bytes`, `bytes/s`). */
  readonly unit?: string;
  /** The value when the parameter is not given; absent means the behaviour is off. */
  readonly default?: string | number | boolean;
  /** A one-letter CLI alias (`-m`). */
  readonly short?: string;
  /** What a client sees, one line, for `--help`, the README and the console page. */
  readonly summary: string;
  /** The close code a client sees when this behaviour ends the connection, for the README. */
  readonly closeCode?: string;
  /**
   * Whether a test's `client.set()` may change it on an open connection, and from when the change counts (one line
   * for the README); `false` for what only the handshake decides.
   */
  readonly settable: false | string;
}

/** How a `*-after` count changes mid-connection. */
const COUNTED_FROM_SET = 'echoes counted from the set() call, not from the open';
/** How a delay changes mid-connection. */
const FROM_NEXT_MESSAGE = 'from the next message; echoes already waiting keep their delay';

/** Longest close reason: a close frame's payload is at most 125 bytes, 2 of them the code (RFC 6455 §5.5). */
export const MAX_CLOSE_REASON_BYTES = 123;
/** Longest greeting: big enough for any banner, small enough to keep per-connection memory flat. */
export const MAX_GREETING_BYTES = 64 * 1024;
/** Longest delay of one echo or of the 101 answer: ten minutes. */
export const MAX_DELAY_MS = 600_000;
/**
 * Close codes a server may send (RFC 6455 §7.4.1-2): not 1004-1006 (reserved), not 1015, nor 1015-2999 (unassigned).
 */
export const SENDABLE_CLOSE_CODES: ReadonlyArray<readonly [number, number]> = [
  [1000, 1003],
  [1007, 1014],
  [3000, 4999],
];

/**
 * Every per-connection behaviour, in the order `--help`, the README and the console page
 * show them. The rules here are the only place a value's bounds are written.
 */
export const BEHAVIOUR_PARAMETERS: readonly BehaviourParameter[] = [
  {
    name: 'mode',
    option: 'mode',
    kind: 'choice',
    choices: MODE_NAMES,
    default: 'graceful',
    short: 'm',
    settable: false,
    summary: 'echo mode (see Modes below)',
  },
  {
    name: 'buffer-size',
    option: 'bufferSize',
    kind: 'integer',
    min: RULES.bufferSize.min,
    max: RULES.bufferSize.max,
    unit: 'bytes',
    default: 8,
    settable: false,
    summary: 'bytes one-shot reads and echoes',
  },
  {
    name: 'delay',
    option: 'delay',
    kind: 'integer-range',
    min: 0,
    max: MAX_DELAY_MS,
    unit: 'ms',
    settable: FROM_NEXT_MESSAGE,
    summary:
      "each message the server sends (echoes and the test's sends) goes this long after its message arrived or the " +
      'send (min-max: a random value in the range); order is kept',
  },
  {
    name: 'close-after',
    option: 'closeAfter',
    kind: 'integer',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'echoes',
    closeCode: '--close-code (1000)',
    settable: COUNTED_FROM_SET,
    summary:
      'after n echoes the server starts a close handshake (graceful completes it; other modes send the close frame and drop TCP)',
  },
  {
    name: 'close-code',
    option: 'closeCode',
    kind: 'integer',
    min: 1000,
    max: 4999,
    ranges: SENDABLE_CLOSE_CODES,
    default: 1000,
    settable: 'for a close-after given in the same call or before',
    summary: 'code of the close that --close-after starts',
  },
  {
    name: 'close-reason',
    option: 'closeReason',
    kind: 'text',
    maxBytes: MAX_CLOSE_REASON_BYTES,
    settable: 'for a close-after given in the same call or before',
    summary: 'reason of the close that --close-after starts',
  },
  {
    name: 'drop-after',
    option: 'dropAfter',
    kind: 'integer',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'echoes',
    closeCode: '1006',
    settable: COUNTED_FROM_SET,
    summary: 'after n echoes the TCP connection ends (FIN) with no close frame',
  },
  {
    name: 'reset-after',
    option: 'resetAfter',
    kind: 'integer',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'echoes',
    closeCode: '1006',
    settable: COUNTED_FROM_SET,
    summary:
      'after n echoes the TCP connection is reset (RST, not FIN) once the client has taken them in, or 2 s after they were sent',
  },
  {
    name: 'greeting',
    option: 'greeting',
    kind: 'text',
    maxBytes: MAX_GREETING_BYTES,
    settable: false,
    summary: 'a text message sent first on every connection, before any echo',
  },
  {
    name: 'fragment',
    option: 'fragment',
    kind: 'integer',
    min: 1,
    max: RULES.maxPayload.max,
    unit: 'bytes',
    settable: 'from the next echo started; an echo half written keeps its frame size',
    summary:
      "each message the server sends (echoes and the test's sends) is sent as a fragmented message, in frames of at " +
      'most this many bytes',
  },
  {
    name: 'reject',
    option: 'reject',
    kind: 'integer',
    min: 400,
    max: 599,
    unit: 'HTTP status',
    settable: false,
    summary: 'the upgrade is refused with this HTTP status and a short body',
  },
  {
    name: 'h2-refuse',
    option: 'h2Refuse',
    kind: 'integer',
    min: 400,
    max: 599,
    unit: 'HTTP status',
    settable: false,
    summary:
      'with --h2, an RFC 8441 WebSocket (HTTP/2 extended CONNECT) is refused with this status and a short body; HTTP/1.1 upgrades are not',
  },
  {
    name: 'h2-reset',
    option: 'h2Reset',
    kind: 'flag',
    settable: false,
    summary:
      'with --h2, an RFC 8441 WebSocket (HTTP/2 extended CONNECT) stream is reset (RST_STREAM CANCEL) unanswered; HTTP/1.1 upgrades are not',
  },
  {
    name: 'accept-delay',
    option: 'acceptDelay',
    kind: 'integer',
    min: 0,
    max: MAX_DELAY_MS,
    unit: 'ms',
    settable: false,
    summary: 'the 101 answer is sent this long after the request',
  },
  {
    name: 'no-pong',
    option: 'noPong',
    kind: 'flag',
    settable: 'from the next ping',
    summary: 'pings are not answered; echoes go on',
  },
  {
    name: 'ping-interval',
    option: 'pingInterval',
    kind: 'number',
    min: RULES.pingInterval.min,
    minAboveZero: RULES.pingInterval.minAboveZero,
    max: RULES.pingInterval.max,
    unit: 's',
    default: 0,
    closeCode: '1006',
    settable: false,
    summary: 'the server pings at this interval and drops a client that missed the last pong (0: off)',
  },
  {
    name: 'throttle',
    option: 'throttle',
    kind: 'integer',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'bytes/s',
    settable: 'from the next frame written, queued echoes too',
    summary:
      "messages the server sends (echoes and the test's sends) are written no faster than this, however long it " +
      'takes (3 MB at 1 byte/s: 35 days)',
  },
  {
    name: 'seed',
    option: 'seed',
    kind: 'integer',
    min: 0,
    max: 2 ** 32 - 1,
    settable: 'restarts the delay picks from the seed',
    summary: 'every random choice (delay ranges) repeats exactly for the same seed',
  },
];

/** The row named `name` (URL and CLI spelling), or undefined. */
export function parameterNamed(name: string): BehaviourParameter | undefined {
  return BEHAVIOUR_PARAMETERS.find((parameter) => parameter.name === name);
}
