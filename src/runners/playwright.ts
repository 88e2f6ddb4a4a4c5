// `ws-echo/playwright`: a fixture for Playwright Test's test.extend that gives each test a server of its own,
// reachable from the page (its `url`) and from the test's Node code, its open connections printed if the test fails.
import type { EchoServer, EchoServerOptions } from '../core/types';
import { startEchoServer } from '../server/server';
import { reportOpenConnections } from './failure-report';

/** The part of Playwright's TestInfo the fixture reads (structural: ws-echo needs no Playwright to build or run). */
export interface PlaywrightTestInfo {
  status?: string;
  expectedStatus: string;
}

/** A per-test fixture function, as `test.extend({ name: fn })` takes it. */
export type PlaywrightEchoFixture = (
  fixtures: object,
  use: (server: EchoServer) => Promise<void>,
  testInfo: PlaywrightTestInfo,
) => Promise<void>;

/** The fixture's type, for `test.extend<WsEchoFixtures>()` (Playwright does not infer it from the function). */
export interface WsEchoFixtures {
  /** The test's own server. */
  wsEcho: EchoServer;
}

/**
 * A fixture for `test.extend()`: each test that names it gets its own started server, closed when the test ends.
 * The page connects to its `url`; the test's own code waits for that connection and answers through it. When a test
 * does not end as expected, the server's open connections are printed with console.error.
 *
 * @example
 * import { test as base } from '@playwright/test';
 * import { wsEchoFixture, type WsEchoFixtures } from 'ws-echo/playwright';
 * const test = base.extend<WsEchoFixtures>({ wsEcho: wsEchoFixture({ echo: false }) });
 * test('the page connects', async ({ page, wsEcho }) => {
 *   await page.evaluate((url) => { new WebSocket(url); }, wsEcho.url);
 *   const client = await wsEcho.nextConnection();
 * });
 */
export function wsEchoFixture(options: EchoServerOptions = {}): PlaywrightEchoFixture {
  // Playwright reads the fixtures a fixture depends on from its first parameter, which must be a destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  return async ({}: object, use, testInfo): Promise<void> => {
    const server = await startEchoServer(options);
    try {
      await use(server);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) console.error(reportOpenConnections(server));
      await server.close();
    }
  };
}
