// The helper shape Jest and node:test share: hooks that start a server per test or per file, a live handle for the
// test, and the open connections printed when a test fails.
import { EchoServerError } from '../core/errors';
import type { EchoServer, EchoServerOptions } from '../core/types';
import { reportOpenConnections } from './failure-report';
import { LiveServer } from './live-server';

/** Whether each test gets a server of its own (`test`, the default) or the tests of a file (or suite) share one. */
export type ServerScope = 'test' | 'file';

/** How `useEchoServer()` runs its servers. */
export interface UseEchoServerOptions {
  /** `'test'` (default): a server per test, closed after it; `'file'`: one for the file (or suite) it is called in. */
  per?: ServerScope;
}

/** The hooks of one runner, and how it says a test failed. */
export interface RunnerHooks<C> {
  /** The runner's name, for errors (`ws-echo/jest`). */
  name: string;
  beforeAll(fn: () => Promise<unknown>): void;
  afterAll(fn: () => Promise<unknown>): void;
  beforeEach(fn: () => Promise<unknown>): void;
  afterEach(fn: (context: C) => Promise<unknown>): void;
  /** Whether the test that just ran failed, in an afterEach hook (`undefined`: cannot tell). */
  failed(context: C): boolean | undefined;
}

const SCOPES: readonly ServerScope[] = ['test', 'file'];

/** The scope asked for, or an error naming the valid ones. */
function scopeOf(name: string, use: UseEchoServerOptions | undefined): ServerScope {
  const per = use?.per ?? 'test';
  if (!SCOPES.includes(per)) {
    throw new EchoServerError(`${name}: per must be one of ${SCOPES.join(', ')}, got ${JSON.stringify(per)}`, 2);
  }
  return per;
}

/**
 * Wires `hooks` to start a server with `options` before each test (or before the file's tests), print its open
 * connections when a test fails, and close it after; returns the live handle tests use.
 */
export function useServerWith<C>(
  hooks: RunnerHooks<C>,
  options: EchoServerOptions = {},
  use?: UseEchoServerOptions,
): EchoServer {
  const per = scopeOf(hooks.name, use);
  const where = per === 'test' ? 'inside a test' : 'inside a test or hook of this file';
  const live = new LiveServer(options, where, per === 'test');
  const reportIfFailed = (context: C): void => {
    if (live.server && hooks.failed(context) === true) console.error(reportOpenConnections(live.server));
  };
  if (per === 'test') {
    hooks.beforeEach(() => live.enter(hooks.name));
    hooks.afterEach(async (context) => {
      reportIfFailed(context);
      await live.leave();
    });
    // Tests that ran at once (refused) may leave one running: whatever is left closes with the file (or suite).
    hooks.afterAll(() => live.stop());
  } else {
    hooks.beforeAll(() => live.start());
    hooks.afterEach(async (context) => reportIfFailed(context));
    hooks.afterAll(() => live.stop());
  }
  return live.handle;
}
