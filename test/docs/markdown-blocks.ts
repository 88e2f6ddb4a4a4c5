// Reads the fenced code blocks of a Markdown file with the `<!-- doc: ... -->` marker that says how each one runs.
import { readFileSync } from 'node:fs';

/**
 * How a block is used, from the marker on the line just before its opening fence:
 *
 * - `run`: a shell command (bash -euo pipefail) that runs to its end and must exit 0;
 * - `server`: a shell command whose last command starts a server: the test waits for its
 *   `listening on` line, runs the `then` blocks that follow it, then presses Ctrl-C (SIGINT
 *   to its process group) and expects exit 0 (or, when a wrapper such as npx reports the
 *   interrupt with 130, ws-echo's shutdown summary);
 * - `then [FILE]`: run while the `server` block above it is listening: a shell command, or,
 *   with FILE, a program written to FILE and run with `node FILE`;
 * - `program FILE`: a JavaScript program written to FILE and run with `node FILE` (`node --test FILE`
 *   for a `*.test.mjs`); must exit 0;
 * - `same-as PATH`: must equal the repository file PATH, which another test runs;
 * - `output`: what a command prints, or a sample: not for pasting, not run;
 * - `not-run REASON`: a block a user may paste that this test cannot run, and why.
 *
 * `run` and `server` take `in-checkout` to run in the repository root instead of the sandbox.
 */
export type BlockKind = 'run' | 'server' | 'then' | 'program' | 'same-as' | 'output' | 'not-run';

const KINDS: readonly BlockKind[] = ['run', 'server', 'then', 'program', 'same-as', 'output', 'not-run'];

/** One fenced code block and its marker. */
export interface DocBlock {
  /** The Markdown file, as given to {@link readBlocks}. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string (`sh`, `js`, ...). */
  lang: string;
  /** The block's text, with the fence's indentation removed, ending with a newline. */
  code: string;
  /** The marker's kind; undefined when the block has no marker. */
  kind?: BlockKind;
  /** The marker's words after the kind (a file name, a path, a reason, `in-checkout`). */
  args: string[];
}

const MARKER = /^\s*<!--\s*doc:\s*(\S+)\s*(.*?)\s*-->\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/;

/** Parses a marker line into its kind and arguments; throws on an unknown kind. */
function parseMarker(line: string, where: string): Pick<DocBlock, 'kind' | 'args'> | undefined {
  const match = MARKER.exec(line);
  if (!match) return undefined;
  const kind = match[1] as BlockKind;
  if (!KINDS.includes(kind)) throw new Error(`${where}: unknown doc marker "${match[1]}" (known: ${KINDS.join(', ')})`);
  return { kind, args: match[2] ? match[2].split(/\s+/) : [] };
}

/** Every fenced code block of `file` (a path relative to `root`), in order. */
export function readBlocks(root: string, file: string): DocBlock[] {
  const lines = readFileSync(`${root}/${file}`, 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) {
      body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end].trimStart());
      end++;
    }
    const marker = i > 0 ? parseMarker(lines[i - 1], `${file}:${i}`) : undefined;
    const code = body.join('\n') + '\n';
    blocks.push({ file, line: i + 1, lang, code, kind: marker?.kind, args: marker?.args ?? [] });
    i = end;
  }
  return blocks;
}

/** A `server` block with the `then` blocks after it, or any other block alone: one step of the doc test. */
export interface DocStep {
  block: DocBlock;
  then: DocBlock[];
}

/** Groups `blocks` into steps; throws when a `then` block does not follow a `server` block (or another `then`). */
export function stepsOf(blocks: DocBlock[]): DocStep[] {
  const steps: DocStep[] = [];
  for (const block of blocks) {
    if (block.kind !== 'then') {
      steps.push({ block, then: [] });
      continue;
    }
    const last = steps[steps.length - 1];
    if (last?.block.kind !== 'server') {
      throw new Error(`${block.file}:${block.line}: a "then" block must follow a "server" block`);
    }
    last.then.push(block);
  }
  return steps;
}

/** Where a block is, for test names and failures: `README.md:123 (sh)`. */
export function describeBlock(block: DocBlock): string {
  return `${block.file}:${block.line} (${block.lang || 'no language'})`;
}
