// Where Jest's globalSetup leaves its servers for globalTeardown: both run in Jest's main process.
import type { EchoServer } from '../core/types';

const KEY = Symbol.for('ws-echo.jest-servers');

/** The servers `ws-echo/jest-global-setup` started in this process (one per Jest project). */
export function jestServers(): EchoServer[] {
  const holder = globalThis as { [KEY]?: EchoServer[] };
  return (holder[KEY] ??= []);
}
