// Turns log events into short colored lines for people.
import type { Chalk } from 'chalk';
import type { ConnectionEvent, LogEvent, RecordEndEvent, RecordSummaryEvent, StatsEvent } from '../core/log-events';
import { escapeClientText } from '../core/escape';

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
  if (chars.length > TEXT_PREVIEW_CHARS)
    return { preview: chars.slice(0, TEXT_PREVIEW_CHARS).join(''), truncated: true };
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

/** ` [mode=forever delay=10-50 greeting="hi"]`: a connection's behaviour, compact; '' for plain echo. */
function behaviourOf(behaviour: Record<string, string | number | boolean> = {}, c: Chalk): string {
  const parts = Object.entries(behaviour).map(([name, value]) =>
    value === true ? name : `${name}=${typeof value === 'string' && !/^[\w.-]+$/.test(value) ? quote(value) : value}`,
  );
  return parts.length === 0 ? '' : ` ${c.magenta(`[${parts.join(' ')}]`)}`;
}

function withoutMode(
  behaviour: Record<string, string | number | boolean> = {},
): Record<string, string | number | boolean> {
  const { mode: _mode, ...rest } = behaviour;
  return rest;
}

const rate = (perSecond: number): string =>
  (perSecond >= 10 ? Math.round(perSecond) : Math.round(perSecond * 10) / 10).toLocaleString('en-US');

/** The `--stats` line: `3 open · in 1,200 msg/s 37.5 KiB/s · out ... · total ... · 0 log lines dropped`. */
export function formatStats(event: StatsEvent): string {
  return (
    `stats: ${event.connections} open (${event.connectionsTotal} total) · ` +
    `in ${rate(event.messagesInPerSecond)} msg/s ${formatBytes(Math.round(event.bytesInPerSecond))}/s · ` +
    `out ${rate(event.messagesOutPerSecond)} msg/s ${formatBytes(Math.round(event.bytesOutPerSecond))}/s · ` +
    `total ${event.messagesReceived.toLocaleString('en-US')} in ${formatBytes(event.bytesReceived)}, ` +
    `${event.messagesEchoed.toLocaleString('en-US')} out ${formatBytes(event.bytesEchoed)} · ` +
    `${plural(event.logLinesDropped, 'log line')} dropped`
  );
}

/** The subprotocol, compression and declined offers of a connection, as a suffix of its line ('' for none). */
function negotiated(event: ConnectionEvent, c: Chalk): string {
  const parts: string[] = [];
  if (event.protocol !== undefined) parts.push(`protocol ${quote(event.protocol)}`);
  if (event.extensions !== undefined) parts.push(event.extensions);
  const declined = event.declined?.map((line) => c.yellow(line)) ?? [];
  return parts.length + declined.length === 0 ? '' : `, ${[...parts, ...declined].join(', ')}`;
}

/**
 * ` (unknown parameter dealy: did you mean delay?)`: query names ws-echo does not read, escaped; '' for none.
 * Apps put their own parameters in URLs, so this names them and refuses nothing.
 */
function unknownOf(event: ConnectionEvent, c: Chalk): string {
  const names = event.unknownParams;
  if (names === undefined || names.length === 0) return '';
  const hints = event.didYouMean ?? {};
  const each = names.map((name) => {
    const shown = /^[\w.-]+$/.test(name) ? name : escapeClientText(quote(name));
    const near = Object.prototype.hasOwnProperty.call(hints, name) ? hints[name] : undefined;
    return near === undefined ? shown : `${shown}: did you mean ${near}?`;
  });
  return ` ${c.yellow(`(unknown parameter${names.length === 1 ? '' : 's'} ${each.join(', ')})`)}`;
}

/** Characters of a request's path a pretty line shows (a path may be 16 KB; the JSON log keeps it whole). */
const PATH_SHOWN_CHARS = 1024;

/** A client's path for a pretty line: escaped, cut after {@link PATH_SHOWN_CHARS} characters saying its length. */
function pathOf(path: string): string {
  if (path.length <= PATH_SHOWN_CHARS) return escapeClientText(path);
  return `${escapeClientText(path.slice(0, PATH_SHOWN_CHARS))}… (${path.length} characters)`;
}

/** Messages and bytes each way of a recording: `from the client 3 messages 1.0 KiB, from the server ...`. */
function eachWay(event: RecordEndEvent | RecordSummaryEvent): string {
  return (
    `from the client ${plural(event.messagesFromClient, 'message')} ${formatBytes(event.bytesFromClient)}, ` +
    `from the server ${plural(event.messagesFromServer, 'message')} ${formatBytes(event.bytesFromServer)}`
  );
}

/** `#1 ended: close 4001 "bye" by the server, 1.2 s, from the client ...`. */
function formatRecordEnd(event: RecordEndEvent, c: Chalk): string {
  const code = event.how === 'close' ? ` ${event.code}${event.reason ? ` ${quote(event.reason)}` : ''}` : '';
  const how = event.how === 'close' ? c.green(`close${code}`) : c.yellow(event.how);
  return `${c.cyan(`#${event.id}`)} ended: ${how} by the ${event.by}, ${formatDuration(event.durationMs)}, ${eachWay(event)}`;
}

/** Formats one event as a line for people (no trailing newline). */
export function formatPretty(event: LogEvent, c: Chalk): string {
  switch (event.event) {
    case 'listening':
      // Kept free of prefixes so scripts can pick the URL out of it.
      return `${c.green('ws-echo')} listening on ${event.url} (mode: ${event.mode})${behaviourOf(withoutMode(event.behaviour), c)}`;
    case 'connection':
      return `${c.cyan(`#${event.id}`)} ${c.green('connected')} from ${event.remote} path ${pathOf(event.path)}${event.transport === 'h2' ? ' over HTTP/2' : ''}${behaviourOf(event.behaviour, c)}${negotiated(event, c)}${unknownOf(event, c)}`;
    case 'fault':
      return `${c.cyan(`#${event.id}`)} ${c.magenta(event.fault)}: ${event.detail}`;
    case 'message': {
      const preview = event.type === 'text' ? quote(event.preview) : `<${event.preview}>`;
      return `${c.cyan(`#${event.id}`)} ${event.sent ? 'sent ' : ''}${event.type} ${formatBytes(event.size)} ${c.dim(preview + (event.truncated ? '…' : ''))}`;
    }
    case 'close': {
      const how = (event.clean ? c.green('clean') : c.yellow('abnormal')) + (event.cause ? ` (${event.cause})` : '');
      const reason = event.reason ? ` ${quote(event.reason)}` : '';
      return `${c.cyan(`#${event.id}`)} closed ${event.code}${reason} ${how}, ${event.initiator} first, ${formatDuration(event.durationMs)}, ${plural(event.messages, 'message')}`;
    }
    case 'rejected':
      // A reset stream had no HTTP answer: its reason says what was sent instead.
      return `${c.yellow('rejected')} ${event.remote} ${pathOf(event.path)}: ${event.reset ? '' : `${event.status} `}${escapeClientText(event.reason)}`;
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
    case 'stats':
      return formatStats(event);
    case 'stdin':
      return `stdin → ${plural(event.connections, 'connection')}: text ${formatBytes(event.size)} ${c.dim(quote(event.preview) + (event.truncated ? '…' : ''))}`;
    case 'stdin-end':
      return 'stdin ended; still serving (Ctrl+C or SIGTERM stops the server)';
    case 'replaying':
      return `${c.green('ws-echo')} replaying ${quote(event.file)} (${plural(event.connections, 'connection')} scripted)`;
    case 'recording':
      // Kept free of prefixes, like the server's listening line, so scripts can pick the URL out of it.
      return `${c.green('ws-echo')} recording ${event.target} to ${quote(event.out)}, listening on ${event.url}`;
    case 'record-end':
      return formatRecordEnd(event, c);
    case 'record-summary':
      return (
        `summary: ${plural(event.connections, 'connection')} recorded, ${event.refused} refused, ` +
        `${eachWay(event)}, ${plural(event.lines, 'line')} written, up ${formatDuration(event.uptimeMs)}` +
        (event.logLinesDropped > 0 ? `, ${event.logLinesDropped} log lines dropped` : '')
      );
    case 'log-dropped':
      return c.yellow(`… ${event.count} log lines dropped (output could not keep up)`);
  }
}
