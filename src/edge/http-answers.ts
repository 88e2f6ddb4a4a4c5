// Short answers to plain HTTP requests, so a browser or curl gets more than a hang.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from './handshake';
import type { EchoMode } from '../core/types';
import type { ConsolePage } from '../console/console-page';
import { answerMetrics } from '../metrics/endpoint';
import type { Metrics } from '../metrics/prometheus';

/** What the plain HTTP answers report. */
export interface HttpStatusSource {
  mode: EchoMode;
  url: () => string;
  connections: () => number;
  logLinesDropped: () => number;
  /** `GET /metrics`; undefined with `--no-metrics` (404). */
  metrics: Metrics | undefined;
  /** The console page, for requests from a browser. */
  console: ConsolePage;
  /** More `/healthz` fields (the processes behind `--workers`). */
  details?: () => Record<string, unknown>;
}

/**
 * `GET /healthz`: 200 JSON for readiness checks; `GET /metrics`: Prometheus metrics; any
 * other `GET`: the console page for a browser, else 200 text saying what this is and where
 * to connect; other methods: 405; a half-made upgrade: 400.
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
    send(
      res,
      400,
      'text/plain; charset=utf-8',
      'A WebSocket upgrade needs "Connection: Upgrade" as well as "Upgrade: websocket".\n',
    );
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
  if (pathOf(req.url) === '/metrics') return answerMetrics(req, res, source.metrics);
  if (source.console.serve(req, res)) return;
  const text =
    `ws-echo: a WebSocket echo server (mode: ${source.mode}).\n` +
    `Connect a WebSocket client to ${source.url()}\n` +
    `Health check: GET /healthz\n` +
    (source.metrics ? `Prometheus metrics: GET /metrics\n` : '') +
    `A console to try it: open this address in a browser\n`;
  send(res, 200, 'text/plain; charset=utf-8', text, { Vary: 'Accept' });
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
