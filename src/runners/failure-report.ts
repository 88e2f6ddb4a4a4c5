// What the per-test fixtures print when a test fails: the server's connections and their transcripts.
import type { EchoServer } from '../core/types';

/**
 * The report the fixtures print when a test fails: the server's URL, then each open connection (and the last few
 * closed ones) with its transcript, as {@link EchoServer.describeConnections} writes it.
 *
 * @example console.error(reportOpenConnections(server));
 * // ws-echo at ws://127.0.0.1:40123 when the test failed: 1 open connection
 * // connection #1 (/chat) from 127.0.0.1:51234, open, 1 message from the client
 * //   +5 ms     in  message text 5 B "hello"
 * //   +5 ms     out echo text 5 B "hello"
 */
export function reportOpenConnections(server: EchoServer): string {
  const open = server.connections();
  const head = `ws-echo at ${server.url} when the test failed: ${open} open connection${open === 1 ? '' : 's'}`;
  return `${head}\n${server.describeConnections()}`;
}
