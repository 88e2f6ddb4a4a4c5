// The fixture API with per-connection behaviours: `echo: false` holds whatever mode or fault a URL asks for, and the connection event carries the behaviour.
import { perTest } from './helpers/per-test';

const { serve, client } = perTest();

describe('echo: false with behaviours chosen in the URL', () => {
  it.each(['?mode=forever', '?mode=whole-message', '?delay=20&fragment=2', '?close-after=1'])(
    '%s: the message is recorded, nothing is echoed, and the test answers',
    async (query) => {
      const server = await serve({ echo: false });
      const ws = await client(`${server.url}/${query}`);
      const connection = await server.nextConnection();
      ws.ws.send('from the client');
      expect(await connection.nextMessage()).toMatchObject({ data: 'from the client', isBinary: false });
      connection.send('from the test');
      const [answer] = await ws.nextMessages(1);
      expect(answer.data.toString()).toBe('from the test');
      await new Promise((resolve) => setTimeout(resolve, 150)); // a delayed or fragmented echo would be here by now
      expect(ws.received).toHaveLength(1);
      expect(server.stats().messagesEchoed).toBe(0);
      expect(connection.isOpen).toBe(true);
    },
  );

  it("the connection event carries the behaviour the URL chose, as the JSON log's does", async () => {
    const server = await serve();
    const events: unknown[] = [];
    server.on('connection', (event) => events.push(event));
    await client(`${server.url}/?mode=forever&delay=5&token=abc`);
    await server.nextConnection();
    expect(events[0]).toMatchObject({ event: 'connection', path: '/?mode=forever&delay=5&token=abc', behaviour: { mode: 'forever', delay: 5 } });
  });
});

describe('the server object', () => {
  it('its methods work unbound, as in afterAll(server.close)', async () => {
    const { startEchoServer } = await import('../src');
    const server = await startEchoServer();
    const { stats, connections, clients, broadcast, close } = server;
    expect(stats().connectionsOpen).toBe(0);
    expect(connections()).toBe(0);
    expect(clients()).toEqual([]);
    expect(broadcast('nobody')).toBe(0);
    await close();
  });
});
