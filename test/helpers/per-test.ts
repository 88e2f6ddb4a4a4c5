// What one test starts (the in-process server, raw and ws clients, CLI children), stopped by an afterEach once it ends.
import type WebSocket from 'ws';
import { startEchoServer, type EchoServer, type EchoServerOptions } from '../../src';
import { startCliServer, type CliChild, type StartOptions } from './processes/cli';
import { connect, type TestClient } from './clients';
import { stopChild } from './probe';
import { openRawClient, type RawClient } from './wire/raw-client';
import type { UpgradeRequest } from './wire/raw-http';

/** Starts things for the current test; each is stopped after it. */
export interface PerTest {
  /** Starts the in-process server on port 0 (graceful unless `options` says otherwise); closed after the test. */
  serve(options?: EchoServerOptions): Promise<EchoServer>;
  /** The server {@link serve} started in this test; throws if there is none. */
  running(): EchoServer;
  /** Opens a raw client to the running server (101 and a right accept required); destroyed after the test. */
  rawClient(request?: UpgradeRequest): Promise<RawClient>;
  /** Connects a recording ws client (see clients.ts `connect`); terminated after the test. */
  client(url: string, options?: WebSocket.ClientOptions): Promise<TestClient>;
  /** Starts the CLI on a free port (see cli.ts `startCliServer`); stopped after the test (SIGTERM, then SIGKILL). */
  cliServer(args?: string[], options?: StartOptions): Promise<CliChild & { url: string }>;
  /** Runs `cleanup` after the test; later ones run first. */
  defer(cleanup: () => unknown): void;
}

/**
 * Registers an afterEach (in the calling describe block) that stops, newest first, all
 * that the returned functions started during the test, and returns those functions.
 */
export function perTest(): PerTest {
  const cleanups: Array<() => unknown> = [];
  let server: EchoServer | undefined;
  afterEach(async () => {
    server = undefined;
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  const defer = (cleanup: () => unknown): void => void cleanups.push(cleanup);
  const running = (): EchoServer => {
    if (!server) throw new Error('no server started');
    return server;
  };
  /** Starts `what`, stops it with `stop` after the test, and returns it. */
  const kept = async <T>(what: Promise<T>, stop: (it: T) => unknown): Promise<T> => {
    const it = await what;
    defer(() => stop(it));
    return it;
  };
  return {
    serve: async (options = {}) =>
      (server = await kept(startEchoServer({ mode: 'graceful', ...options }), (s) => s.close())),
    running,
    rawClient: (request = {}) => kept(openRawClient(running().port, request), (c) => c.destroy()),
    client: (url, options = {}) => kept(connect(url, options), (c) => c.ws.terminate()),
    cliServer: (args = [], options = {}) => kept(startCliServer(args, options), (cli) => stopChild(cli.child)),
    defer,
  };
}
