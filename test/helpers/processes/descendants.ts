// Child processes in tests: finding one among a child's descendants (e.g. the CLI under `script`), reading its output.
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** The pid of the first process under `pid` (not itself) with `needle` as one of its arguments; throws if none. */
export function descendantRunning(pid: number | undefined, needle: string): number {
  const childrenOf = (parent: number): number[] => {
    const kids = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim();
    return kids ? kids.split(/\s+/).map(Number) : [];
  };
  const queue = pid === undefined ? [] : childrenOf(pid);
  while (queue.length > 0) {
    const next = queue.shift() as number;
    // Arguments are NUL-separated: a shell's `-c "<command>"` is one argument, the CLI's path another.
    if (readFileSync(`/proc/${next}/cmdline`, 'utf8').split('\0').includes(needle)) return next;
    queue.push(...childrenOf(next));
  }
  throw new Error(`no process running ${needle} under ${pid}`);
}

/** Reads `stream` until `pattern` matches, then stops listening and pauses it. */
export function readUntil(stream: Readable, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const match = text.match(pattern);
      if (!match) return;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      resolve(match);
    };
    const onEnd = (): void => reject(new Error(`stream ended before ${pattern}: ${text}`));
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}
