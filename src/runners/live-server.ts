// A handle that stands for whichever server a runner's hooks have started: tests hold it from the start, and each
// call reaches the server of the current test (or file).
import { EchoServerError } from '../core/errors';
import type { EchoServer, EchoServerOptions } from '../core/types';
import { startEchoServer } from '../server/server';

/** What to do instead when tests run at once: one handle can stand for one server only. */
export const CONCURRENCY_ADVICE =
  "tests that run at the same time (Jest's test.concurrent, node:test's { concurrency: true }) cannot share a " +
  "server per test: use useEchoServer(options, { per: 'file' }), or startEchoServer() inside each test";

/** One server at a time, started and closed by a runner's hooks, reached through {@link LiveServer.handle}. */
export class LiveServer {
  private current: EchoServer | undefined;
  /** A start under way (set at once, so a second test's hook that comes meanwhile is caught). */
  private starting: Promise<EchoServer> | undefined;
  /** Tests between their beforeEach and afterEach (per-test servers): more than one means they run at once. */
  private tests = 0;

  /**
   * The handle tests use: every member (`url`, `nextConnection()`, ...) is that of the server running now; used
   * before a hook started one (at the top of a file, outside a test), it throws.
   */
  readonly handle: EchoServer;

  /**
   * @param options the options of each server it starts
   * @param where what to tell a test that used the handle with no server running (`in a test, after beforeEach`)
   * @param perTest whether it runs a server per test: that error then also says what to use for concurrent tests
   *   (Jest runs no beforeEach for a test.concurrent, so its tests meet no server)
   */
  constructor(
    private readonly options: EchoServerOptions,
    where: string,
    perTest = false,
  ) {
    const plain = `no ws-echo server is running here: use the server ${where}`;
    const missing = perTest ? `${plain}; ${CONCURRENCY_ADVICE}` : plain;
    this.handle = new Proxy({} as EchoServer, {
      get: (_target, key) => {
        const server = this.current;
        if (!server) throw new EchoServerError(missing, 1);
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
    this.starting = startEchoServer(this.options);
    try {
      this.current = await this.starting;
    } finally {
      this.starting = undefined;
    }
    return this.current;
  }

  /**
   * A test begins (its beforeEach): starts its server; a test that begins while another has not ended (they run at
   * once) gets an error saying what to use instead, and starts nothing.
   */
  async enter(name: string): Promise<void> {
    this.tests++;
    if (this.tests > 1) throw new EchoServerError(`${name}: ${CONCURRENCY_ADVICE}`, 2);
    await this.start();
  }

  /** A test ended (its afterEach): the server closes once no test that began is still running. */
  async leave(): Promise<void> {
    this.tests = Math.max(0, this.tests - 1);
    if (this.tests === 0) await this.stop();
  }

  /** Closes the running server (or the one starting), if any, and waits until its sockets are gone. */
  async stop(): Promise<void> {
    const server = this.current ?? (await this.starting?.catch(() => undefined));
    this.current = undefined;
    this.tests = 0;
    if (server) await server.close();
  }
}
