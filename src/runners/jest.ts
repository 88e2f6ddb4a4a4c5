// `ws-echo/jest`: useEchoServer() for Jest test files: a server per test (or per file) started and closed by Jest's
// hooks, reached through one handle, its open connections printed when a test fails.
import { EchoServerError } from '../core/errors';
import type { EchoServer, EchoServerOptions } from '../core/types';
import { watchJestFailures } from '../internals/jest-circus';
import { useServerWith, type UseEchoServerOptions } from './use-server';

export type { ServerScope, UseEchoServerOptions } from './use-server';

/** A hook of Jest's globals. */
type JestHook = (fn: () => Promise<unknown>) => void;

/** Jest's hook of that name, from the test file's globals. */
function jestHook(name: 'beforeAll' | 'afterAll' | 'beforeEach' | 'afterEach'): JestHook {
  const hook = (globalThis as Record<string, unknown>)[name];
  if (typeof hook !== 'function') {
    throw new EchoServerError(
      `ws-echo/jest: ${name} is not a global here: call useEchoServer() at the top of a Jest test file (or in a ` +
        'describe), with injectGlobals on; for node:test use ws-echo/node-test',
      2,
    );
  }
  return hook as JestHook;
}

/**
 * Starts a server for each test (`per: 'test'`, the default: in beforeEach, closed in afterEach) or one for the
 * file or `describe` it is called in (`per: 'file'`: beforeAll, afterAll), and returns a handle whose members
 * (`url`, `nextConnection()`, `clients()`, ...) are those of the server running now. When a test fails, the server's
 * open connections are printed with console.error.
 *
 * @example
 * const { useEchoServer } = require('ws-echo/jest');
 * const server = useEchoServer({ echo: false });
 * test('answers', async () => {
 *   const ws = new WebSocket(server.url);
 *   const client = await server.nextConnection();
 *   client.send('hi');
 * });
 */
export function useEchoServer(options?: EchoServerOptions, use?: UseEchoServerOptions): EchoServer {
  const hooks = {
    beforeAll: jestHook('beforeAll'),
    afterAll: jestHook('afterAll'),
    beforeEach: jestHook('beforeEach'),
    afterEach: jestHook('afterEach'),
  };
  const failed = watchJestFailures();
  // A hook function of one parameter would be taken for one that calls Jest's `done`: hand Jest one of none.
  const afterEach = (fn: (context: undefined) => Promise<unknown>) => hooks.afterEach(() => fn(undefined));
  return useServerWith({ name: 'ws-echo/jest', ...hooks, afterEach, failed: () => failed() }, options, use);
}
