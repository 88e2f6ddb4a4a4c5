// `ws-echo/vitest`: a Vitest globalSetup that starts one server for the run and provides its URL to tests as
// inject('wsEchoUrl').
// Loads Vitest's types (only at compile time) so the ProvidedContext declaration below merges into them.
import type {} from 'vitest';
import type { EchoServerOptions } from '../core/types';
import { startEchoServer } from '../server/server';
import { refuseSilentServer } from './url-only';

/** The part of Vitest's `TestProject` this set-up uses (structural, so ws-echo needs no Vitest to build or run). */
interface VitestProject {
  provide(key: 'wsEchoUrl', value: string): void;
  getProvidedContext(): { wsEchoOptions?: EchoServerOptions };
}

/**
 * Starts one echo server with the options in the config's `test.provide.wsEchoOptions`
 * (default: graceful, a free port, no logs), provides its URL as `wsEchoUrl`, and returns
 * the teardown Vitest calls after the run. `echo: false` is refused: tests that see only the URL could not answer
 * (use `wsEchoFixture()` from `ws-echo/vitest-fixture`).
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['ws-echo/vitest'], provide: { wsEchoOptions: { mode: 'forever' }
 * } } });
 * // a test
 * const ws = new WebSocket(inject('wsEchoUrl'));
 */
async function setup(project: VitestProject): Promise<() => Promise<void>> {
  const options = project.getProvidedContext().wsEchoOptions ?? {};
  refuseSilentServer(options, {
    config: 'provide.wsEchoOptions',
    instead: "wsEchoFixture({ echo: false }) from 'ws-echo/vitest-fixture' in test.extend()",
  });
  const server = await startEchoServer(options);
  project.provide('wsEchoUrl', server.url);
  return () => server.close();
}

// The module is the function: Vitest imports it as ESM, and an ESM import of CommonJS sees
// module.exports as `default`, which Vitest calls as the setup.
export = setup;

declare module 'vitest' {
  /** What `ws-echo/vitest` provides to tests (`inject('wsEchoUrl')`) and reads from the config. */
  export interface ProvidedContext {
    /** The URL of the server `ws-echo/vitest` started, `ws://127.0.0.1:PORT`. */
    wsEchoUrl: string;
    /** Options for that server, from `test.provide.wsEchoOptions` in the config. */
    wsEchoOptions?: EchoServerOptions;
  }
}
