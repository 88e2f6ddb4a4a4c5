// A handle that stands for whichever server a runner's hooks have started: tests hold it from the start, and each
// call reaches the server of the current test (or file).
import { EchoServerError } from '../core/errors';
import type { EchoServer, EchoServerOptions } from '../core/types';
import { startEchoServer } from '../server/server';

/** One server at a time, started and closed by a runner's hooks, reached through {@link LiveServer.handle}. */
export class LiveServer {
  private current: EchoServer | undefined;

  /**
   * The handle tests use: every member (`url`, `nextConnection()`, ...) is that of the server running now; used
   * before a hook started one (at the top of a file, outside a test), it throws.
   */
  readonly handle: EchoServer;

  /**
   * @param options the options of each server it starts
   * @param where what to tell a test that used the handle with no server running (`in a test, after beforeEach`)
   */
  constructor(
    private readonly options: EchoServerOptions,
    where: string,
  ) {
    this.handle = new Proxy({} as EchoServer, {
      get: (_target, key) => {
        const server = this.current;
        if (!server) throw new EchoServerError(`no ws-echo server is running here: use the server ${where}`, 1);
        const value: unknown = Reflect.get(server, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(server) : value;
      },
    });
  }

  /** The server running now, if any. */
  get server(): EchoServer | undefined {
    return this.current;
  }

  /** Starts a server with the options; the handle reaches it from now on. */
  async start(): Promise<EchoServer> {
    this.current = await startEchoServer(this.options);
    return this.current;
  }

  /** Closes the running server, if any, and waits until its sockets are gone. */
  async stop(): Promise<void> {
    const server = this.current;
    this.current = undefined;
    if (server) await server.close();
  }
}
