// The reset poller reads the machine's socket tables (every socket of every process, tens of thousands on a busy
// machine) without holding the event loop: a wanted connection is found by its ports, IPv4 and IPv6 alike.
import { addSendQueues } from '../../../src/connection/faults/reset';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const hex4 = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');

/** One line of /proc/net/tcp (or tcp6 with `v6`): slot, local and remote port, send queue. */
function line(slot: number, local: number, remote: number, txQueue: number, v6 = false): string {
  const address = v6 ? '00000000000000000000000001000000' : '0100007F';
  const tx = txQueue.toString(16).toUpperCase().padStart(8, '0');
  return (
    `${String(slot).padStart(4)}: ${address}:${hex4(local)} ${address}:${hex4(remote)} 01 ${tx}:00000000 ` +
    `00:00000000 00000000  1000        0 ${100000 + slot} 1 0000000000000000 20 4 30 10 -1`
  );
}

describe('addSendQueues', () => {
  it('finds the send queue of each wanted connection, in IPv4 and IPv6 tables, and sums a key listed twice', () => {
    const v4 = HEADER + [line(0, 8080, 0, 0), line(1, 8080, 50000, 4096), line(2, 50000, 8080, 7)].join('\n') + '\n';
    const v6 = HEADER + [line(0, 8080, 50001, 123, true), line(1, 8080, 50000, 1, true)].join('\n');
    const queues = new Map<string, number>();
    const wanted = new Set(['1F90:C350', '1F90:C351', '1F90:C352']);
    addSendQueues(v4, wanted, queues);
    addSendQueues(v6, wanted, queues);
    expect(Object.fromEntries(queues)).toEqual({ '1F90:C350': 4097, '1F90:C351': 123 });
  });

  it('reads a table of 50,000 sockets, the wanted ones found wherever they are', () => {
    // Speed is not asserted here (tests hold no timing thresholds): one pass over the text, no split or regular
    // expression per line, took a few ms on the test machine where a split and a RegExp per line took 150-400 ms.
    const lines = Array.from({ length: 50_000 }, (_, i) => line(i, 8080, 1024 + i, i % 7 === 0 ? 40960 : 0));
    const text = HEADER + lines.join('\n') + '\n';
    const wanted = new Set(['1F90:0400', '1F90:0401', '1F90:C74A', '1F90:C74F']); // the first two lines, two near the end
    const queues = new Map<string, number>();
    addSendQueues(text, wanted, queues);
    expect(Object.fromEntries(queues)).toEqual({
      '1F90:0400': 40960,
      '1F90:0401': 0,
      '1F90:C74A': 40960,
      '1F90:C74F': 0,
    });
  });
});
