// The permessage-deflate checks (test/connection/compression.test.ts) run again through the HTTP/2 path: each raw
// client's upgrade (its Sec-WebSocket-Extensions offer included) becomes an RFC 8441 stream through a local bridge
// (test/helpers/wire/h2-bridge.ts). Its checks that use a ws client, a plain upgrade or the CLI stay on HTTP/1.1.
import { perTest } from '../helpers/per-test';
import { compressMessage, messageOf } from '../helpers/wire/deflate-frames';
import { Opcode } from '../helpers/wire/frames';

jest.mock('../helpers/per-test', () => jest.requireActual('../helpers/h2-per-test'));

import '../connection/compression.test';

describe('the bridge', () => {
  const { serve, rawClient } = perTest();

  test('a raw client offering permessage-deflate gets it over an RFC 8441 stream', async () => {
    const server = await serve({ deflate: true });
    const transports: unknown[] = [];
    server.on('connection', (event) => transports.push(event.transport));
    const raw = await rawClient({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } });
    expect(raw.head.headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
    await raw.sendFrame({ opcode: Opcode.text, rsv1: true, payload: compressMessage(Buffer.from('squeezed')) });
    const echo = await raw.nextFrame();
    expect(echo.rsv1).toBe(true);
    expect(messageOf(echo).toString()).toBe('squeezed');
    expect(transports).toEqual(['h2']);
  });
});
