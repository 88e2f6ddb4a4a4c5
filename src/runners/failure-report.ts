// What the per-test fixtures print when a test fails: the server's open connections, one line each.
import { escapeClientText } from '../core/escape';
import type { EchoClient, EchoServer, ReceivedMessage } from '../core/types';

/** How much of the last message a line shows. */
const LAST_MESSAGE_CHARS = 80;

/** The last message a client sent, as the logs show it: kind, size, and the start of a text or the first bytes. */
function describeMessage(message: ReceivedMessage): string {
  if (message.isBinary) {
    const bytes = message.data as Buffer;
    const hex = [...bytes.subarray(0, 16)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    return `binary ${bytes.length} B <${hex}${bytes.length > 16 ? ' ...' : ''}>`;
  }
  const text = message.data as string;
  const shown = escapeClientText(text.slice(0, LAST_MESSAGE_CHARS));
  return `text ${Buffer.byteLength(text)} B "${shown}${text.length > LAST_MESSAGE_CHARS ? '...' : ''}"`;
}

/** One open connection: id, path, how many messages it sent, the last. */
function describeClient(client: EchoClient): string {
  const count = client.received.length;
  const last = client.received[count - 1];
  const plural = count === 1 ? '' : 's';
  return `  #${client.id} ${client.path}: ${count} message${plural} received${last ? `, the last: ${describeMessage(last)}` : ''}`;
}

/**
 * The report the fixtures print when a test fails: the server's URL and each open connection (id, path, messages
 * received, the last one).
 *
 * @example console.error(reportOpenConnections(server));
 * // ws-echo at ws://127.0.0.1:40123 when the test failed: 1 open connection
 * //   #1 /chat: 2 messages received, the last: text 5 B "hello"
 */
export function reportOpenConnections(server: EchoServer): string {
  const clients = server.clients();
  const plural = clients.length === 1 ? '' : 's';
  const head = `ws-echo at ${server.url} when the test failed: ${clients.length} open connection${plural}`;
  return [head, ...clients.map(describeClient)].join('\n');
}
