// Each echo mode as a client observes it, against the in-process server on port 0.
import WebSocket from 'ws';
import { startEchoServer, type EchoServer } from '../src';
import { connect } from './helpers/clients';

let server: EchoServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('one-shot', () => {
  it('echoes the first 8 bytes of a 20-byte message, then drops the connection (1006)', async () => {
    server = await startEchoServer({ mode: 'one-shot' });
    const client = await connect(server.url);
    client.ws.send('abcdefghijklmnopqrst');
    const [echo] = await client.nextMessages(1);
    expect(echo.data.toString()).toBe('abcdefgh');
    expect(echo.isBinary).toBe(false);
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    expect(client.received).toHaveLength(1);
  });
});
