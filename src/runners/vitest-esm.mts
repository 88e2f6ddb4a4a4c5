// The ESM face of `ws-echo/vitest`'s types: under moduleResolution node16 and nodenext an ES module sees this file,
// whose `declare module 'vitest'` merges into the `vitest` ES modules resolve (a CommonJS declaration's would not).
import type {} from 'vitest';
import type { EchoServerOptions } from '../core/types.js';

/** The part of Vitest's `TestProject` the set-up uses. */
interface VitestProject {
  provide(key: 'wsEchoUrl', value: string): void;
  getProvidedContext(): { wsEchoOptions?: EchoServerOptions };
}

/** The globalSetup `ws-echo/vitest` is (see vitest.ts, which the package runs). */
declare function setup(project: VitestProject): Promise<() => Promise<void>>;
export default setup;

declare module 'vitest' {
  /** What `ws-echo/vitest` provides to tests (`inject('wsEchoUrl')`) and reads from the config. */
  export interface ProvidedContext {
    /** The URL of the server `ws-echo/vitest` started, `ws://127.0.0.1:PORT`. */
    wsEchoUrl: string;
    /** Options for that server, from `test.provide.wsEchoOptions` in the config. */
    wsEchoOptions?: EchoServerOptions;
  }
}
