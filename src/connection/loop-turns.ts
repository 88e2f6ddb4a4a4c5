// Event-loop turns, counted so that one client's share of a turn can be limited (see MESSAGES_PER_TURN and
// READS_PER_TURN).
//
// libuv reads a socket up to 32 times in one turn while it has data: 2 MiB of a client
// flooding empty frames is about 350,000 messages, half a second in which no other client is
// read. A connection that has had its share of a turn stops reading until the next one.
import { setImmediate } from 'node:timers';

/**
 * Messages one client may bring in one event-loop turn before its reading waits for the next
 * turn: a few milliseconds of work even for empty messages; far more than any pipelining
 * client needs (a 64 KiB read of 64 B messages is about 900).
 */
export const MESSAGES_PER_TURN = 4096;

/**
 * Socket reads (of up to 64 KiB each) one client may have in one turn before its reading waits
 * for the next turn: a flood of empty fragments brings few messages but ~11,000 frames a read,
 * each parsed by ws. 8 reads are half a megabyte: a large message still arrives in few turns.
 */
export const READS_PER_TURN = 8;

let current = 0;
let ending = false;

function endTurn(): void {
  current++;
  ending = false;
}

/**
 * The number of the turn running now; a turn ends in the check phase, after its I/O (one setImmediate per turn with
 * traffic).
 */
export function currentTurn(): number {
  if (!ending) {
    ending = true;
    setImmediate(endTurn);
  }
  return current;
}
