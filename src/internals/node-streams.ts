// Node's standard streams beyond their API: a terminal's writes made non-blocking again.
import type { Writable } from 'node:stream';
import { CHECKED_ON, type Shape } from './shape-check';

const FILE = 'src/internals/node-streams.ts';

/**
 * What the guard test holds this file to. Node makes writes to a TTY blocking and offers no public way back: a slow
 * terminal would then stall echoing. With the handle non-blocking, the logger's own bound drops what the terminal
 * cannot take.
 */
export const STREAM_SHAPES: readonly Shape[] = [
  { file: FILE, object: 'TTY stream', member: '_handle.setBlocking', kind: 'function', checkedOn: CHECKED_ON.node },
];

/** Makes writes to `stream` non-blocking if it is a terminal (its libuv handle's `setBlocking(false)`). */
export function unblockTerminal(stream: Writable & { isTTY?: boolean }): void {
  if (!stream.isTTY) return;
  const handle = (stream as unknown as { _handle?: { setBlocking?: (blocking: boolean) => void } })._handle;
  handle?.setBlocking?.(false);
}
