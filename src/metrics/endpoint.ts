// Answers GET /metrics: a scrape, or 404 when metrics are off.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './prometheus';

/** Serves one scrape of `metrics` on `res`; `undefined` (`--no-metrics`) answers 404. */
export function answerMetrics(req: IncomingMessage, res: ServerResponse, metrics: Metrics | undefined): void {
  const head = req.method === 'HEAD';
  const text = (status: number, body: string): void => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  };
  if (!metrics) return text(404, 'Metrics are off (--no-metrics).\n');
  metrics.scrape().then(
    ({ contentType, body }) => {
      res.writeHead(200, {
        'Content-Type': contentType,
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(head ? undefined : body);
    },
    (error: Error) => text(500, `Metrics failed: ${error.message}\n`),
  );
}
