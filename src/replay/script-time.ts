// The script's clock: recorded times and hand-written waits, slept in bounded steps, given up when the client leaves.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlaySettings } from './player';

/**
 * The longest one sleep of a script lasts: a longer wait (a hand-written one may be days, beyond Node's timer limit of
 * 2^31-1 ms) is slept in steps, as the fault queue does.
 */
export const SCRIPT_SLEEP_MAX_MS = 1000;

/** Where a playing connection stands on the recording's clock. */
export interface Clock {
  /** When (performance.now()) the script was last at recorded time {@link Clock.anchorT}. */
  anchorNow: number;
  anchorT: number;
  /** The recorded time of the last line played that had one. */
  lastT: number;
}

/** Sleeps `ms`, in steps of at most {@link SCRIPT_SLEEP_MAX_MS}; returns at once when `stop` aborts. */
export async function pause(ms: number, stop: AbortSignal): Promise<void> {
  const until = performance.now() + ms;
  for (let left = ms; left > 0.5 && !stop.aborted; left = until - performance.now())
    await sleep(Math.min(left, SCRIPT_SLEEP_MAX_MS), undefined, { signal: stop }).catch(() => undefined);
}

/**
 * Waits until a line is due: `wait` ms (scaled) after now when it has one, then the clock counts later recorded times
 * from here; else until its recorded `t`, counted from the clock's anchor.
 */
export async function dueTime(
  clock: Clock,
  line: { t?: number; wait?: number },
  settings: PlaySettings,
  stop: AbortSignal,
): Promise<void> {
  if (line.wait !== undefined) {
    if (settings.speed !== 'max') await pause(line.wait / settings.speed, stop);
    clock.anchorNow = performance.now();
    clock.anchorT = clock.lastT = line.t ?? clock.lastT;
    return;
  }
  clock.lastT = line.t!;
  if (settings.speed === 'max') return;
  await pause(clock.anchorNow + (line.t! - clock.anchorT) / settings.speed - performance.now(), stop);
}
