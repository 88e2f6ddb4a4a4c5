// `ws-echo/jest-global-setup`: a Jest globalSetup that starts one server for the run and gives tests its URL in
// process.env.WS_ECHO_URL.
import type { EchoServerOptions } from '../core/types';
import { startEchoServer } from '../server/server';
import { jestServers } from './jest-server';
import { refuseSilentServer } from './url-only';

/**
 * Starts one echo server with the options in the config's `globals.wsEchoOptions` (default:
 * graceful, a free port, no logs) and sets `process.env.WS_ECHO_URL` and `WS_ECHO_PORT`,
 * which every test worker inherits. `ws-echo/jest-global-teardown` stops it. `echo: false` is refused: tests that
 * see only the URL could not answer (use `useEchoServer()` from `ws-echo/jest`).
 *
 * @example
 * // jest.config.js
 * module.exports = { globalSetup: 'ws-echo/jest-global-setup', globalTeardown: 'ws-echo/jest-global-teardown' };
 */
export default async function globalSetup(
  _globalConfig: unknown,
  projectConfig?: { globals?: { wsEchoOptions?: EchoServerOptions } },
): Promise<void> {
  const options = projectConfig?.globals?.wsEchoOptions ?? {};
  refuseSilentServer(options, {
    config: 'globals.wsEchoOptions',
    instead: "useEchoServer({ echo: false }) from 'ws-echo/jest' in the test file",
  });
  const server = await startEchoServer(options);
  jestServers().push(server);
  process.env.WS_ECHO_URL = server.url;
  process.env.WS_ECHO_PORT = String(server.port);
}
