// The RFC 8441 faults that break real apps, on purpose: the setting advertised, then the CONNECT refused or reset.
import type { Duplex } from 'node:stream';
import type { Behaviour } from '../../behaviour/behaviour';
import type { UpgradeRefusal } from '../handshake';
import { StreamSocket } from './stream-socket';

/** `h2-reset`: no HTTP answer, the stream reset; logged and counted as a refusal the client asked for. */
const RESET_AS_ASKED: UpgradeRefusal = {
  status: 0,
  reason: 'stream reset (RST_STREAM CANCEL) as asked (h2-reset)',
  asked: true,
  reset: 'CANCEL',
};

/**
 * Applies the behaviour's HTTP/2 fault to an RFC 8441 WebSocket through `refuse`, which logs and counts it: `h2Reset`
 * resets its stream unanswered (RST_STREAM CANCEL), `h2Refuse` refuses it with that status. Returns whether a fault
 * ended the upgrade. An HTTP/1.1 upgrade is never touched: the same URL works there, as the broken apps worked without
 * HTTP/2.
 */
export function appliedH2Fault(
  behaviour: Behaviour,
  socket: Duplex,
  refuse: (refusal: UpgradeRefusal) => void,
): boolean {
  if (!(socket instanceof StreamSocket)) return false;
  if (behaviour.h2Reset) {
    refuse(RESET_AS_ASKED);
    return true;
  }
  if (behaviour.h2Refuse === undefined) return false;
  refuse({ status: behaviour.h2Refuse, reason: `refused as asked (h2-refuse=${behaviour.h2Refuse})`, asked: true });
  return true;
}
