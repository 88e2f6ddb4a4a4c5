// The RFC 6455 conformance checks (test/connection/rfc6455-conformance.test.ts) run again through the HTTP/2 path:
// each raw client's upgrade becomes an RFC 8441 stream on one HTTP/2 session, through a local bridge
// (test/helpers/wire/h2-bridge.ts, put in place of perTest by test/helpers/h2-per-test.ts).
import { perTest } from '../helpers/per-test';

jest.mock('../helpers/per-test', () => jest.requireActual('../helpers/h2-per-test'));

import '../connection/rfc6455-conformance.test';

describe('the bridge', () => {
  const { serve, rawClient } = perTest();

  test('raw clients reach the server over HTTP/2: each WebSocket is an RFC 8441 stream', async () => {
    const server = await serve();
    const transports: unknown[] = [];
    server.on('connection', (event) => transports.push(event.transport));
    await rawClient();
    await rawClient();
    expect(transports).toEqual(['h2', 'h2']);
  });
});
