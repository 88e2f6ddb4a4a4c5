// Short answers to plain HTTP requests, so a browser or curl gets more than a hang.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from './handshake';
import type { EchoMode } from '../core/types';

/** What the plain HTTP answers report. */
export interface HttpStatusSource {
  mode: EchoMode;
  url: () => string;
  connections: () => number;
  logLinesDropped: () => number;
  /** More `/healthz` fields (the processes behind `--workers`). */
  details?: () => Record<string, unknown>;
}

/**
 * `GET /healthz`: 200 JSON for readiness checks; any other `GET`: 200 text saying what
 * this is and where to connect; other methods: 405; a half-made upgrade: 400.
 */
export function answerHttp(req: IncomingMessage, res: ServerResponse, source: HttpStatusSource): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD are served; connect a WebSocket client instead.\n', {
      Allow: 'GET, HEAD',
    });
    return;
  }
  if (req.headers.upgrade !== undefined) {
    // Node hands an upgrade without `Connection: Upgrade` to us as a plain request: a 200
    // would look like success to someone writing a client.
    send(res, 400, 'text/plain; charset=utf-8', 'A WebSocket upgrade needs "Connection: Upgrade" as well as "Upgrade: websocket".\n');
    return;
  }
  if (pathOf(req.url) === '/healthz') {
    const health = {
      status: 'ok',
      mode: source.mode,
      connections: source.connections(),
      logLinesDropped: source.logLinesDropped(),
      ...source.details?.(),
    };
    send(res, 200, 'application/json', JSON.stringify(health) + '\n');
    return;
  }
  const text =
    `ws-echo: a WebSocket echo server (mode: ${source.mode}).\n` +
    `Connect a WebSocket client to ${source.url()}\n` +
    `Health check: GET /healthz\n`;
  send(res, 200, 'text/plain; charset=utf-8', text);
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
