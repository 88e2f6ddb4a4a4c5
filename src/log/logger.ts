// Routes log events to stdout/stderr as colored lines or JSON, bounded and cheap when off.
import chalk, { type Chalk } from 'chalk';
import type { Writable } from 'node:stream';
import { MILESTONE_EVENTS, QUIET_EVENTS, STDERR_EVENTS, type LogEvent } from '../core/log-events';
import { formatPretty, previewOf } from './log-format';
import { LineWriter } from './output';
import type { LogOptions } from '../core/types';
import { escapeBeyondC0 } from '../core/escape';
import { checkLogOptions } from './log-options';

/** What the server logs through. */
export interface Logger {
  /** Whether message events are printed; the hot path checks this before doing any work. */
  readonly logsMessages: boolean;
  /** Prints one event, or does nothing if it is filtered out or the output is congested. */
  log(event: LogEvent): void;
  /** Logs a received message; callers check {@link Logger.logsMessages} first. */
  message(id: number, data: Buffer, isBinary: boolean): void;
  /** Log lines dropped so far because an output stream could not keep up. */
  dropped(): number;
  /** Waits (at most `timeoutMs`) for queued lines to be written. */
  flush(timeoutMs: number): Promise<void>;
  /** Shows `line` as a status line under the log on stdout (for a terminal), or removes it (undefined). */
  status(line: string | undefined): void;
}

/** A logger that prints nothing and costs nothing. */
export const SILENT_LOGGER: Logger = {
  logsMessages: false,
  log: () => undefined,
  message: () => undefined,
  dropped: () => 0,
  flush: () => Promise.resolve(),
  status: () => undefined,
};

/**
 * The color level for `stream`: chalk's detection (TTY, `FORCE_COLOR`), with `NO_COLOR`
 * honoured (chalk 4 ignores it) unless `FORCE_COLOR` is set; `explicit` overrides both.
 */
export function colorLevel(stream: Writable, explicit: boolean | undefined, env = process.env): 0 | 1 | 2 | 3 {
  if (explicit === false) return 0;
  const detected =
    stream === process.stderr ? chalk.stderr.supportsColor : stream === process.stdout ? chalk.supportsColor : false;
  const level = detected ? detected.level : 0;
  if (explicit === true) return level || 1;
  if (env.NO_COLOR && env.FORCE_COLOR === undefined) return 0;
  return level;
}

/**
 * Creates the logger described by `options`; `false` or `undefined` gives {@link SILENT_LOGGER}.
 * Throws `EchoServerError` (exit code 2) for unknown fields or values of the wrong type.
 */
export function createLogger(options: LogOptions | false | undefined): Logger {
  checkLogOptions(options);
  if (!options) return SILENT_LOGGER;
  const json = options.format === 'json';
  const quiet = options.quiet === true;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const colors = {
    stdout: new chalk.Instance({ level: json ? 0 : colorLevel(stdout, options.color) }),
    stderr: new chalk.Instance({ level: json ? 0 : colorLevel(stderr, options.color) }),
  };
  // Client text (previews, close reasons, refused headers) may hold C1 or bidi controls:
  // escaped on every line, so no field can be forgotten.
  const render = (event: LogEvent, c: Chalk): string =>
    escapeBeyondC0(
      json
        ? JSON.stringify(Object.assign({ event: event.event, time: new Date().toISOString() }, event))
        : formatPretty(event, c),
    );
  const notice = (c: Chalk) => (count: number) => render({ event: 'log-dropped', count }, c);
  const out = new LineWriter(stdout, notice(colors.stdout));
  const err = stderr === stdout ? out : new LineWriter(stderr, notice(colors.stderr));
  // On a shared terminal, a warning must not land after stdout's status line.
  if (err !== out) err.beforeWrite = () => out.hideStatus();

  const log = (event: LogEvent): void => {
    if (quiet && !QUIET_EVENTS.has(event.event)) return;
    const toStderr = STDERR_EVENTS.has(event.event);
    const writer = toStderr ? err : out;
    const milestone = MILESTONE_EVENTS.has(event.event); // once per run: written even past the high water mark
    if (writer.congested && !milestone) return writer.countDropped(); // nothing is formatted for a line that is dropped
    writer.write(render(event, toStderr ? colors.stderr : colors.stdout), milestone);
  };

  return {
    logsMessages: !quiet,
    log,
    message(id, data, isBinary) {
      if (out.congested) return out.countDropped(); // skip the preview too
      log({
        event: 'message',
        id,
        type: isBinary ? 'binary' : 'text',
        size: data.length,
        ...previewOf(data, isBinary),
      });
    },
    dropped: () => out.dropped + (err === out ? 0 : err.dropped),
    status: (line) => out.setStatus(line),
    flush: async (timeoutMs) => {
      await Promise.all([out.flush(timeoutMs), err === out ? undefined : err.flush(timeoutMs)]);
    },
  };
}
