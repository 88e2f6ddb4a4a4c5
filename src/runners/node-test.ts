// `ws-echo/node-test`: useEchoServer() for node:test: a server per test (or per file) started and closed by
// node:test's hooks, reached through one handle, its open connections printed when a test fails.
import { after, afterEach, before, beforeEach } from 'node:test';
import type { EchoServer, EchoServerOptions } from '../core/types';
import { useServerWith, type UseEchoServerOptions } from './use-server';

export type { ServerScope, UseEchoServerOptions } from './use-server';

/** The part of node:test's TestContext an afterEach hook reads (`passed`: Node 20.12 and later). */
interface NodeTestContext {
  passed?: boolean;
}

/**
 * Starts a server for each test (`per: 'test'`, the default: in beforeEach, closed in afterEach) or one for the
 * file or `describe` it is called in (`per: 'file'`: before, after), and returns a handle whose members (`url`,
 * `nextConnection()`, `clients()`, ...) are those of the server running now. When a test fails, the server's open
 * connections are printed with console.error.
 *
 * @example
 * import { useEchoServer } from 'ws-echo/node-test';
 * const server = useEchoServer({ echo: false });
 * test('answers', async () => {
 *   const ws = new WebSocket(server.url);
 *   const client = await server.nextConnection();
 *   client.send('hi');
 * });
 */
export function useEchoServer(options?: EchoServerOptions, use?: UseEchoServerOptions): EchoServer {
  const hooks = {
    name: 'ws-echo/node-test',
    beforeAll: (fn: () => Promise<unknown>) => before(fn),
    afterAll: (fn: () => Promise<unknown>) => after(fn),
    beforeEach: (fn: () => Promise<unknown>) => beforeEach(fn),
    afterEach: (fn: (context: NodeTestContext) => Promise<unknown>) =>
      afterEach((context) => fn(context as NodeTestContext)),
    failed: (context: NodeTestContext) => (context.passed === undefined ? undefined : !context.passed),
  };
  return useServerWith(hooks, options, use);
}
