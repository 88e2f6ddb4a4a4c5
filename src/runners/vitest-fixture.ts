// `ws-echo/vitest-fixture`: a fixture for Vitest's test.extend that gives each test (or file) a server of its own,
// closed after it, its open connections printed when a test fails.
import type { EchoServer, EchoServerOptions } from '../core/types';
import { startEchoServer } from '../server/server';
import { reportOpenConnections } from './failure-report';

/** The part of a Vitest test's context the fixture reads (structural: ws-echo needs no Vitest to build or run). */
export interface VitestTestContext {
  /** The test (absent in a fixture of `scope: 'file'`). */
  task?: { result?: { state?: string } };
}

/** What Vitest hands a fixture to give its value to the test. */
export type VitestUse<T> = (value: T) => Promise<void>;

/** A per-test fixture function, as `test.extend({ name: fn })` takes it. */
export type EchoServerTestFixture = (context: VitestTestContext, use: VitestUse<EchoServer>) => Promise<void>;

/**
 * A fixture for `test.extend()`: each test that names it gets its own started server, closed when the test ends.
 * When the test fails, the server's open connections are printed with console.error. For one server shared by a
 * file's tests, give it Vitest's way: `{ wsEcho: [wsEchoFixture(), { scope: 'file' }] }`.
 *
 * @example
 * import { test as base } from 'vitest';
 * import { wsEchoFixture } from 'ws-echo/vitest-fixture';
 * const test = base.extend({ wsEcho: wsEchoFixture({ echo: false }) });
 * test('answers', async ({ wsEcho }) => {
 *   const client = await wsEcho.nextConnection();
 * });
 */
export function wsEchoFixture(options: EchoServerOptions = {}): EchoServerTestFixture {
  // Vitest reads the fixtures a fixture depends on from its first parameter, which must be a destructuring pattern.
  return async ({ task }: VitestTestContext, give: VitestUse<EchoServer>): Promise<void> => {
    const server = await startEchoServer(options);
    try {
      await give(server);
    } finally {
      if (task?.result?.state === 'fail') console.error(reportOpenConnections(server));
      await server.close();
    }
  };
}
