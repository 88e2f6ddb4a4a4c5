// Runs every command and program README.md and docs/*.md give a user, as written, extracted from the Markdown.
// How each block runs is the `<!-- doc: ... -->` marker before it (see markdown-blocks.ts); a block without one fails.
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { childEnv, expectSuccess, ROOT, runCommand, startCli, type RunResult } from '../helpers/processes/cli';
import { describeBlock, readBlocks, stepsOf, type DocBlock, type DocStep } from './markdown-blocks';
import { brokenLinks, missingPaths } from './markdown-links';

const DOCS = readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
const FILES = ['README.md', ...DOCS.map((name) => `docs/${name}`)];
const STEP_TIMEOUT = 180_000;
/** How long a block may run: a snippet that hangs fails in this time. */
const BLOCK_TIMEOUT_MS = 30_000;
/** The same for `in-checkout` blocks, which may build (`make binary`). */
const CHECKOUT_BLOCK_TIMEOUT_MS = 150_000;

/**
 * The sandbox: a folder inside the checkout (so `require('ws')` finds the checkout's node_modules)
 * laid out as a project that installed ws-echo: node_modules/ws-echo and node_modules/.bin/ws-echo.
 */
const SANDBOX = path.join(ROOT, 'test-results', `doc-snippets-${process.pid}`);
const SANDBOX_BIN = path.join(SANDBOX, 'node_modules', '.bin');

/** The environment blocks run in: `ws-echo` on the PATH, as after `npm install`. */
function blockEnv(): NodeJS.ProcessEnv {
  return childEnv({ PATH: `${SANDBOX_BIN}:${process.env.PATH ?? ''}` });
}

beforeAll(() => {
  rmSync(SANDBOX, { recursive: true, force: true });
  mkdirSync(SANDBOX_BIN, { recursive: true });
  symlinkSync(ROOT, path.join(SANDBOX, 'node_modules', 'ws-echo'), 'dir');
  symlinkSync(path.join(ROOT, 'bin', 'ws-echo'), path.join(SANDBOX_BIN, 'ws-echo'));
});

afterAll(() => rmSync(SANDBOX, { recursive: true, force: true }));

/** The folder a block runs in: the sandbox, or the checkout with `in-checkout`. */
function cwdOf(block: DocBlock): string {
  return block.args.includes('in-checkout') ? ROOT : SANDBOX;
}

/** How long `block` may run before it counts as hanging. */
function timeoutOf(block: DocBlock): number {
  return block.args.includes('in-checkout') ? CHECKOUT_BLOCK_TIMEOUT_MS : BLOCK_TIMEOUT_MS;
}

/** Resolves as `promise` does, or rejects after `ms` naming `what` was awaited. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ctrl-C: SIGINT to every process of the group `leader` leads; nothing if the group is gone already. */
function interruptGroup(leader: number): void {
  try {
    process.kill(-leader, 'SIGINT');
  } catch {
    // every process of the group has exited
  }
}

/** Throws with the block's place and text unless `result` exited 0. */
function expectBlockPassed(block: DocBlock, result: RunResult): void {
  expectSuccess(result, `${describeBlock(block)}\n${block.code}`);
}

/** Put before a shell block: whatever it left running in the background is stopped when it ends, passed or not. */
const STOP_BACKGROUND_JOBS = "trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT\n";

/** Runs a shell block (bash -euo pipefail) or a program block (written to its file, run with node, or node --test). */
async function runBlock(block: DocBlock): Promise<RunResult> {
  const options = { cwd: cwdOf(block), env: blockEnv(), timeoutMs: timeoutOf(block) };
  const file = block.args.find((arg) => /\.[cm]?js$/.test(arg));
  if (!file) return runCommand('bash', ['-euo', 'pipefail', '-c', STOP_BACKGROUND_JOBS + block.code], options);
  writeFileSync(path.join(SANDBOX, file), block.code);
  // A test file runs as the text says to run it: `node --test FILE`.
  const args = /\.test\.[cm]?js$/.test(file) ? ['--test', file] : [file];
  return runCommand(process.execPath, args, { ...options, cwd: SANDBOX });
}

/** Starts a server block in a session of its own, runs its `then` blocks, then Ctrl-C: every one must pass. */
async function runServerStep({ block, then }: DocStep): Promise<void> {
  // setsid: the shell leads a process group of its own, so SIGINT reaches every process in it, as Ctrl-C does.
  const server = startCli(['-euo', 'pipefail', '-c', block.code], {
    command: ['setsid', 'bash'],
    cwd: cwdOf(block),
    env: blockEnv(),
  });
  try {
    await withTimeout(server.waitFor(/listening on (wss?:\/\/\S+)/), timeoutOf(block), 'its listening line');
    for (const next of then) expectBlockPassed(next, await runBlock(next));
  } finally {
    interruptGroup(server.child.pid as number);
  }
  const { code, signal } = await server.exited;
  const stdout = server.stdout();
  // Ctrl-C on `npx ws-echo`: ws-echo shuts down and exits 0, npx itself then reports the interrupt (130).
  const interruptedWrapper = (code === 130 || signal === 'SIGINT') && /^summary: |"event":"summary"/m.test(stdout);
  expectBlockPassed(block, { code: interruptedWrapper ? 0 : code, stdout, stderr: server.stderr() });
}

/** Runs one step as its marker says. */
async function runStep(step: DocStep): Promise<void> {
  const { block } = step;
  if (block.kind === 'server') return runServerStep(step);
  if (block.kind === 'same-as') {
    const [file] = block.args;
    expect(block.code).toBe(readFileSync(path.join(ROOT, file), 'utf8'));
    return;
  }
  expectBlockPassed(block, await runBlock(block));
}

const RUN_KINDS = new Set(['run', 'server', 'program', 'same-as']);

describe.each(FILES)('%s', (file) => {
  const blocks = readBlocks(ROOT, file);

  it('marks every code block with how it runs, or why it is not run', () => {
    const unmarked = blocks.filter((block) => !block.kind).map(describeBlock);
    expect(unmarked).toEqual([]);
    const unexplained = blocks.filter((block) => block.kind === 'not-run' && block.args.length === 0);
    expect(unexplained.map(describeBlock)).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    expect(brokenLinks(ROOT, file)).toEqual([]);
  });

  it('names only repository paths that exist', () => {
    expect(missingPaths(ROOT, file)).toEqual([]);
  });

  const steps = stepsOf(blocks).filter(({ block }) => RUN_KINDS.has(block.kind ?? ''));
  const named = steps.map((step) => ({ name: stepName(step), step }));
  if (named.length === 0) return;
  it.each(named)('$name', ({ step }) => runStep(step), STEP_TIMEOUT);
});

/** A step's test name: where its block is and what kind it is. */
function stepName({ block: first, then }: DocStep): string {
  const more = then.length ? ` + ${then.length} client block${then.length > 1 ? 's' : ''}` : '';
  return `${describeBlock(first)} ${first.kind}${first.args.length ? ` ${first.args.join(' ')}` : ''}${more}`;
}
