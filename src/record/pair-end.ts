// How a recorded pair ended, as the recorder logs it: its ending line (or the recorder's stop) and what passed.
import type { RecordEndEvent } from '../core/log-events';
import type { EndLine } from '../replay/transcript';

/** How a recorded connection ended (`stopped` by the recorder: no ending line written), and what passed each way: the
 * `record-end` log event's fields. */
export type PairEnd = Omit<RecordEndEvent, 'event' | 'id'>;

/** What one side of a pair sent. */
interface Tally {
  messages: number;
  bytes: number;
}

/** What the recorder logs of a pair that ended with `line` (or that the recorder's stop ended). */
export function pairEnd(line: EndLine | 'stopped', [c, s]: Tally[], durationMs: number): PairEnd {
  const ended: Pick<PairEnd, 'how' | 'by' | 'code' | 'reason'> =
    line === 'stopped'
      ? { how: 'stopped', by: 'recorder' }
      : {
          how: line.event,
          by: line.by === 'c' ? 'client' : 'server',
          ...(line.event === 'close' ? { code: line.code, reason: line.reason } : {}),
        };
  return {
    ...ended,
    durationMs,
    messagesFromClient: c.messages,
    messagesFromServer: s.messages,
    bytesFromClient: c.bytes,
    bytesFromServer: s.bytes,
  };
}
