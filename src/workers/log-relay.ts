// The primary's side of worker logs: whole lines from every worker onto one stdout and stderr, bounded.
import chalk from 'chalk';
import type { LogOptions } from '../core/types';
import { formatPretty } from '../log/log-format';
import { colorLevel } from '../log/logger';
import { LineWriter } from '../log/output';
import type { WorkerLogSettings } from './messages';

/** ANSI color sequences, removed from worker lines bound for a stream without colors. */
const ANSI_COLORS = /\x1b\[[0-9;]*m/g;

function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

/**
 * Workers render their own lines (the formatting work stays spread over the cores) and send
 * them here in whole-line batches; only this process writes to stdout and stderr, so lines
 * never interleave. Each stream gets the same {@link LineWriter} bound as a single process:
 * past it, batches are dropped and counted, and a notice says how many lines were lost.
 */
export class LogRelay {
  /** How workers render: JSON or pretty, quiet or not, colors as this process's stdout shows them. */
  readonly workerSettings: WorkerLogSettings | false;
  private readonly out: LineWriter | undefined;
  private readonly err: LineWriter | undefined;
  private readonly stripErrorColors: boolean;

  /** @param options the CLI's log options (false: logs are off, nothing is relayed) */
  constructor(options: LogOptions | false) {
    if (!options) {
      this.workerSettings = false;
      this.stripErrorColors = false;
      return;
    }
    const json = options.format === 'json';
    const stdout = options.stdout ?? process.stdout;
    const stderr = options.stderr ?? process.stderr;
    const outLevel = json ? 0 : colorLevel(stdout, options.color);
    const errLevel = json ? 0 : colorLevel(stderr, options.color);
    this.workerSettings = { format: options.format ?? 'pretty', quiet: options.quiet === true, color: outLevel > 0 };
    this.stripErrorColors = outLevel > 0 && errLevel === 0;
    const notice = (level: 0 | 1 | 2 | 3) => {
      const c = new chalk.Instance({ level });
      return (count: number): string =>
        json
          ? JSON.stringify({ event: 'log-dropped', time: new Date().toISOString(), count })
          : formatPretty({ event: 'log-dropped', count }, c);
    };
    this.out = new LineWriter(stdout, notice(outLevel));
    this.err = stderr === stdout ? this.out : new LineWriter(stderr, notice(errLevel));
  }

  /** Writes a batch of whole lines (each ending in a newline) from a worker, or counts them as dropped. */
  write(stream: 'out' | 'err', text: string): void {
    const writer = stream === 'out' ? this.out : this.err;
    if (!writer || !text.endsWith('\n')) return;
    if (writer.congested) return writer.countDropped(countLines(text));
    const lines = stream === 'err' && this.stripErrorColors ? text.replace(ANSI_COLORS, '') : text;
    writer.write(lines.slice(0, -1)); // the writer adds the last newline back
  }

  /** Worker lines this process dropped because its own output could not keep up. */
  dropped(): number {
    if (!this.out || !this.err) return 0;
    return this.out.dropped + (this.err === this.out ? 0 : this.err.dropped);
  }

  /** Waits (at most `timeoutMs`) for relayed lines to be written. */
  async flush(timeoutMs: number): Promise<void> {
    await Promise.all([this.out?.flush(timeoutMs), this.err === this.out ? undefined : this.err?.flush(timeoutMs)]);
  }
}
