// Turns log events into short colored lines for people.
import type { Chalk } from 'chalk';
import type { LogEvent } from './log-events';

const TEXT_PREVIEW_CHARS = 80;
const BINARY_PREVIEW_BYTES = 16;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** A short preview of a message: quoted text with escapes, or hex bytes. */
export function previewOf(data: Buffer, isBinary: boolean): { preview: string; truncated: boolean } {
  if (isBinary) {
    const shown = Math.min(data.length, BINARY_PREVIEW_BYTES);
    const bytes: string[] = [];
    for (let i = 0; i < shown; i++) bytes.push(HEX[data[i]]);
    return { preview: bytes.join(' '), truncated: data.length > shown };
  }
  // Up to 80 bytes are at most 80 characters: the common small message needs one decode.
  if (data.length <= TEXT_PREVIEW_CHARS) return { preview: data.toString('utf8'), truncated: false };
  // Decode only what can be shown: 80 characters are at most 320 bytes, so a character cut
  // at the decoding limit always falls past the 80th and is never shown.
  const decodedBytes = Math.min(data.length, TEXT_PREVIEW_CHARS * 4);
  const chars = Array.from(data.toString('utf8', 0, decodedBytes));
  if (chars.length > TEXT_PREVIEW_CHARS) return { preview: chars.slice(0, TEXT_PREVIEW_CHARS).join(''), truncated: true };
  return { preview: chars.join(''), truncated: decodedBytes < data.length };
}

/** Bytes in a short human unit: 20 B, 1.5 KiB, 3.2 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < units.length - 1);
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Milliseconds as 850 ms, 2.4 s, 3m 05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** Escapes control characters so one message stays on one log line. */
function quote(text: string): string {
  return JSON.stringify(text);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Formats one event as a line for people (no trailing newline). */
export function formatPretty(event: LogEvent, c: Chalk): string {
  switch (event.event) {
    case 'listening':
      // Kept free of prefixes so scripts can pick the URL out of it.
      return `${c.green('ws-echo')} listening on ${event.url} (mode: ${event.mode})`;
    case 'connection':
      return `${c.cyan(`#${event.id}`)} ${c.green('connected')} from ${event.remote} path ${event.path}`;
    case 'message': {
      const preview = event.type === 'text' ? quote(event.preview) : `<${event.preview}>`;
      return `${c.cyan(`#${event.id}`)} ${event.type} ${formatBytes(event.size)} ${c.dim(preview + (event.truncated ? '…' : ''))}`;
    }
    case 'close': {
      const how = (event.clean ? c.green('clean') : c.yellow('abnormal')) + (event.cause ? ` (${event.cause})` : '');
      const reason = event.reason ? ` ${quote(event.reason)}` : '';
      return `${c.cyan(`#${event.id}`)} closed ${event.code}${reason} ${how}, ${event.initiator} first, ${formatDuration(event.durationMs)}, ${plural(event.messages, 'message')}`;
    }
    case 'rejected':
      return `${c.yellow('rejected')} ${event.remote} ${event.path}: ${event.status} ${event.reason}`;
    case 'protocol-error':
      return c.red(`#${event.id} protocol error, closed with ${event.code}: ${event.error}`);
    case 'warning':
      return c.yellow(`warning: ${event.message}`);
    case 'error':
      return c.red(`error: ${event.message}`);
    case 'shutdown':
      return `shutting down (${event.reason}), closing ${plural(event.connections, 'connection')}`;
    case 'summary':
      return (
        `summary: ${plural(event.connections, 'connection')}, ${event.rejected} rejected, ${plural(event.messages, 'message')}, ` +
        `${formatBytes(event.bytesReceived)} in, ${formatBytes(event.bytesEchoed)} out, ` +
        `${plural(event.protocolErrors, 'protocol error')}, up ${formatDuration(event.uptimeMs)}` +
        (event.logLinesDropped > 0 ? `, ${event.logLinesDropped} log lines dropped` : '')
      );
    case 'stdin':
      return `stdin → ${plural(event.connections, 'connection')}: text ${formatBytes(event.size)} ${c.dim(quote(event.preview) + (event.truncated ? '…' : ''))}`;
    case 'stdin-end':
      return 'stdin ended; still serving (Ctrl+C or SIGTERM stops the server)';
    case 'log-dropped':
      return c.yellow(`… ${event.count} log lines dropped (output could not keep up)`);
  }
}
