// The per-connection behaviours as data: one row per URL query parameter and CLI flag.
import { MODE_NAMES } from './modes';

/** How a parameter's value is written, so the URL parser, the CLI, the API and the console page agree. */
export type ParameterKind =
  /** One of `choices`. */
  | 'choice'
  /** A whole number in [`min`, `max`]. */
  | 'integer'
  /** A whole number or a range `min-max` of whole numbers, each in [`min`, `max`]. */
  | 'integer-range'
  /** Free text (escaped wherever it is printed). */
  | 'text'
  /** Present or absent; `=1`/`=true` and `=0`/`=false` also accepted in the URL. */
  | 'flag';

/** One behaviour a connection can choose in its URL and the CLI can set for every connection. */
export interface BehaviourParameter {
  /** Query parameter and CLI flag name (`close-after` is `?close-after=3` and `--close-after 3`). */
  readonly name: string;
  /** The `startEchoServer()` option: the name in camelCase. */
  readonly option: string;
  readonly kind: ParameterKind;
  /** For `choice`. */
  readonly choices?: readonly string[];
  /** For `integer` and `integer-range`: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** Unit shown in help and on the console page (`ms`, `s`, `bytes`, `bytes/s`). */
  readonly unit?: string;
  /** What a client sees, one line, for `--help`, the README and the console page. */
  readonly summary: string;
}

/**
 * Every per-connection behaviour, in the order `--help`, the README and the console page
 * show them. The rules here are the only place a value's bounds are written.
 */
export const BEHAVIOUR_PARAMETERS: readonly BehaviourParameter[] = [
  { name: 'mode', option: 'mode', kind: 'choice', choices: MODE_NAMES, summary: 'echo mode' },
  { name: 'buffer-size', option: 'bufferSize', kind: 'integer', min: 1, max: 1024 * 1024, unit: 'bytes', summary: 'bytes one-shot reads and echoes' },
  { name: 'delay', option: 'delay', kind: 'integer-range', min: 0, max: 600_000, unit: 'ms', summary: 'each echo is sent this long after its message arrived (min-max: random); order is kept' },
  { name: 'close-after', option: 'closeAfter', kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER, summary: 'after n echoes the server starts a close handshake (graceful completes it, other modes drop)' },
  { name: 'close-code', option: 'closeCode', kind: 'integer', min: 1000, max: 4999, summary: 'code of that close (default 1000)' },
  { name: 'close-reason', option: 'closeReason', kind: 'text', summary: 'reason of that close (at most 123 bytes)' },
  { name: 'drop-after', option: 'dropAfter', kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER, summary: 'after n echoes the TCP connection ends with no close frame (1006)' },
  { name: 'reset-after', option: 'resetAfter', kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER, summary: 'after n echoes the TCP connection is reset (RST)' },
  { name: 'greeting', option: 'greeting', kind: 'text', summary: 'a text message sent first, before any echo' },
  { name: 'fragment', option: 'fragment', kind: 'integer', min: 1, max: 100 * 1024 * 1024, unit: 'bytes', summary: 'each echo is sent in frames of at most this many bytes' },
  { name: 'reject', option: 'reject', kind: 'integer', min: 400, max: 599, summary: 'the upgrade is refused with this HTTP status' },
  { name: 'accept-delay', option: 'acceptDelay', kind: 'integer', min: 0, max: 600_000, unit: 'ms', summary: 'the 101 answer is sent this long after the request' },
  { name: 'no-pong', option: 'noPong', kind: 'flag', summary: 'pings are not answered; echoes go on' },
  { name: 'ping-interval', option: 'pingInterval', kind: 'integer', min: 1, max: 86_400, unit: 's', summary: 'the server pings this connection at this interval' },
  { name: 'throttle', option: 'throttle', kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER, unit: 'bytes/s', summary: 'echoes are written no faster than this' },
  { name: 'seed', option: 'seed', kind: 'integer', min: 0, max: 2 ** 32 - 1, summary: 'every random choice (delay ranges) repeats for the same seed' },
];
