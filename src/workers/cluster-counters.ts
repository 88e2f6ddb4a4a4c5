// The whole server's counters with --workers: each worker's last report, plus what workers that exited left behind.
import { CLOSE_ABNORMAL } from '../core/constants';
import { sumSnapshots, type CounterSnapshot, type Gauges } from '../core/counters';

/**
 * The counters a worker left, with a close 1006 (no close frame) for each connection its last report held open: when
 * a worker is killed its connections die with it and it never counts their closes; when it stops as asked, its last
 * report is taken after every close, and this adds nothing.
 */
function withUncountedCloses(last: CounterSnapshot): CounterSnapshot {
  const counted = last.closesByCode.reduce((sum, [, count]) => sum + count, 0);
  const open = last.connectionsTotal - counted;
  return open > 0 ? { ...last, closesByCode: [...last.closesByCode, [CLOSE_ABNORMAL, open]] } : last;
}

/**
 * Adds up every worker's counters as the list in core/counters.ts says (totals and counts by
 * code summed, gauges the primary's own). A worker that exits is folded into one snapshot of
 * the departed, so totals never go down and memory does not grow with restarts.
 */
export class ClusterCounters<Worker> {
  private readonly reported = new Map<Worker, CounterSnapshot>();
  private departed: CounterSnapshot | undefined;

  /** A worker's fresh counters, replacing its last report. */
  report(worker: Worker, counters: CounterSnapshot): void {
    this.reported.set(worker, counters);
  }

  /** A worker exited: its last report stays in the totals, with the closes of connections it held open. */
  exited(worker: Worker): void {
    const reported = this.reported.get(worker);
    const last = reported && withUncountedCloses(reported);
    this.reported.delete(worker);
    // The gauges of the departed mean nothing: sum() puts the primary's own in their place.
    if (last) this.departed = sumSnapshots(this.departed ? [this.departed, last] : [last], last);
  }

  /** Every worker's counters added up, with `gauges` and `ownLogLinesDropped` (this process's own) on top. */
  sum(gauges: Gauges, ownLogLinesDropped: number): CounterSnapshot {
    const all = [...this.reported.values()];
    if (this.departed) all.push(this.departed);
    const sum = sumSnapshots(all, gauges);
    sum.logLinesDropped += ownLogLinesDropped;
    return sum;
  }
}
