// The echo modes as data: what each echoes and how it ends a connection.
import type { EchoMode } from '../core/types';

/** A mode's rules: what it echoes and how it ends; the connection reads these and has no per-mode branches. */
export interface ModeRules {
  /** Messages echoed before the server ends the connection (`Infinity`: all of them). */
  readonly messagesToEcho: number;
  /** Whether an echo is cut to `bufferSize` bytes, as one read into a fixed buffer would. */
  readonly truncateToBuffer: boolean;
  /**
   * How the server ends a connection: `handshake` sends a close frame and waits for the
   * answer (RFC 6455 §5.5.1); `drop` ends the TCP connection with no close frame.
   * It applies to a client's close frame too: `drop` never answers one.
   */
  readonly ending: 'handshake' | 'drop';
  /** One line for `--help` and the README. */
  readonly summary: string;
}

/** Every mode, in the order the article builds them up. */
export const MODES: Readonly<Record<EchoMode, ModeRules>> = {
  'one-shot': {
    messagesToEcho: 1,
    truncateToBuffer: true,
    ending: 'drop',
    summary: 'echo the first --buffer-size bytes of the first message, then drop the TCP connection',
  },
  'whole-message': {
    messagesToEcho: 1,
    truncateToBuffer: false,
    ending: 'drop',
    summary: 'echo the first message whole, then drop the TCP connection',
  },
  forever: {
    messagesToEcho: Infinity,
    truncateToBuffer: false,
    ending: 'drop',
    summary: "echo every message; on the client's close frame, drop without replying",
  },
  graceful: {
    messagesToEcho: Infinity,
    truncateToBuffer: false,
    ending: 'handshake',
    summary: 'echo every message; complete the close handshake as RFC 6455 asks',
  },
};

/** The mode names, for validation messages and `--help`. */
export const MODE_NAMES = Object.keys(MODES) as EchoMode[];

/** The mode used when none is given. */
export const DEFAULT_MODE: EchoMode = 'graceful';

/** Whether `name` is one of {@link MODE_NAMES}. */
export function isEchoMode(name: string): name is EchoMode {
  return Object.prototype.hasOwnProperty.call(MODES, name);
}
