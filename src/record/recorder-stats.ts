// A recorder's counters: connections, refusals, messages and bytes each way; its stats() and its summary line.
import type { RecordSummaryEvent } from '../core/log-events';

/** What {@link Recorder.stats} answers. */
export interface RecorderStats {
  /** Connections being recorded now. */
  connections: number;
  /** Connections recorded since the start. */
  connectionsTotal: number;
  /** Clients answered with an HTTP status instead: the target refused them, could not be reached, or failed TLS. */
  refused: number;
  messagesFromClient: number;
  messagesFromServer: number;
  bytesFromClient: number;
  bytesFromServer: number;
  /** Transcript lines the file has taken (the header included). */
  linesWritten: number;
  /** Transcript lines queued for the file or being written (bounded: the proxy stops reading past 1 MiB). */
  linesWaiting: number;
}

/** The counters a recorder keeps (what {@link RecorderStats} reads besides the open pairs and the file). */
export type RecorderTotals = Omit<RecorderStats, 'connections' | 'linesWritten' | 'linesWaiting'>;

/** Counters at zero. */
export function newRecorderTotals(): RecorderTotals {
  return {
    connectionsTotal: 0,
    refused: 0,
    messagesFromClient: 0,
    messagesFromServer: 0,
    bytesFromClient: 0,
    bytesFromServer: 0,
  };
}

/** Counts one message of `bytes` from the client (`c`) or the server (`s`). */
export function tallyMessage(totals: RecorderTotals, from: 'c' | 's', bytes: number): void {
  if (from === 'c') {
    totals.messagesFromClient++;
    totals.bytesFromClient += bytes;
  } else {
    totals.messagesFromServer++;
    totals.bytesFromServer += bytes;
  }
}

/** The stats from the counters, the pairs open and the file's lines. */
export function recorderStats(
  totals: RecorderTotals,
  open: number,
  lines: { written: number; waiting: number },
): RecorderStats {
  return { connections: open, ...totals, linesWritten: lines.written, linesWaiting: lines.waiting };
}

/** The `record-summary` event for `stats`. */
export function summaryOf(stats: RecorderStats, logLinesDropped: number, uptimeMs: number): RecordSummaryEvent {
  return {
    event: 'record-summary',
    connections: stats.connectionsTotal,
    refused: stats.refused,
    messagesFromClient: stats.messagesFromClient,
    messagesFromServer: stats.messagesFromServer,
    bytesFromClient: stats.bytesFromClient,
    bytesFromServer: stats.bytesFromServer,
    lines: stats.linesWritten,
    logLinesDropped,
    uptimeMs: Math.round(uptimeMs),
  };
}
