// perTest() with every server started with --h2 and every raw client sent through the RFC 8441 bridge: for a test
// file that re-runs checks written for HTTP/1.1 (jest.mock('../helpers/per-test', ...) points them here).
import type { PerTest } from './per-test';
import { startH2Bridge } from './wire/h2-bridge';
import { openRawClient } from './wire/raw-client';

const actual = jest.requireActual<typeof import('./per-test')>('./per-test');

/** As {@link actual.perTest}, but `serve` adds `h2: true` and `rawClient` reaches the server over HTTP/2. */
export function perTest(): PerTest {
  const inner = actual.perTest();
  let bridgePort: number | undefined;
  return {
    ...inner,
    serve: async (options = {}) => {
      const server = await inner.serve({ ...options, h2: true });
      const bridge = await startH2Bridge(server.port);
      inner.defer(() => bridge.close());
      bridgePort = bridge.port;
      return server;
    },
    rawClient: async (request = {}) => {
      if (bridgePort === undefined) throw new Error('no server started');
      const client = await openRawClient(bridgePort, request);
      inner.defer(() => client.destroy());
      return client;
    },
  };
}
