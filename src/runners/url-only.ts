// What the set-ups that give tests only a URL (Vitest's globalSetup, Jest's globalSetup) refuse: a server no test
// could answer from.
import { EchoServerError } from '../core/errors';
import type { EchoServerOptions } from '../core/types';

/**
 * Throws when `options` turn echoing off: in a set-up whose tests see only the URL, nobody could answer a client.
 *
 * @param options the options the config gave
 * @param where where they came from and which per-test helper to use instead
 */
export function refuseSilentServer(options: EchoServerOptions, where: { config: string; instead: string }): void {
  if (options.echo === false) {
    throw new EchoServerError(
      `${where.config}: echo: false would start a server that never echoes, and tests that see only its URL could ` +
        `not answer a client; for a scripted server use the per-test helper, ${where.instead}`,
      2,
    );
  }
}
