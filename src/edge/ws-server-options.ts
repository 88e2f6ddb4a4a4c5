// How ws's WebSocketServer receives: the limits ws-echo sets instead of inheriting ws's defaults.
import type { ServerOptions } from 'ws';
import type { ResolvedOptions } from '../options/options';

/**
 * The `WebSocketServer` options. `ws` 8.23 has limits of its own that ws-echo would otherwise
 * inherit unannounced; each is set or replaced here:
 * - `maxFragments`: ws's 16,384 refused a `--max-payload` message in 4 KiB fragments; ours is
 *   `--max-fragments` (close 1008 with a reason past it).
 * - `autoPong: false`: ws's automatic pongs terminate a socket (no close frame) once 60 pongs
 *   are unwritten; connection.ts answers every ping and pauses a client that does not read them.
 * - `maxBufferedChunks` stays ws's 262,144: payload-gatherer.ts keeps ws's list of reads short,
 *   so only a future ws that the gatherer cannot work with would meet it.
 */
export function receiveOptions(config: ResolvedOptions): ServerOptions {
  return {
    noServer: true,
    maxPayload: config.maxPayload,
    maxFragments: config.maxFragments,
    autoPong: false,
    perMessageDeflate: false,
    clientTracking: false,
  };
}
