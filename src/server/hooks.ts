// Internal hooks that let several processes act as one server (src/workers/); not public API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpgradeRefusal } from '../edge/handshake';
import type { Metrics, MetricsSource } from '../metrics/prometheus';
import type { HttpStatusSource } from '../edge/http-answers';

/**
 * Decisions one process cannot make alone when it is one of several serving the same port:
 * connection ids and the connection limit span every process, and so does `/healthz`.
 */
export interface ServerHooks {
  /**
   * Decides an upgrade that passed every local check: calls `open(id)` with an id unique
   * across processes, or `refuse(refusal)`; either may come later (after a round trip).
   */
  admit(socket: Duplex, open: (id: number) => void, refuse: (refusal: UpgradeRefusal) => void): void;
  /** Answers a plain HTTP request in place of the single-process answers. */
  answerHttp(req: IncomingMessage, res: ServerResponse, source: HttpStatusSource): void;
  /** Makes `GET /metrics` from this process's counters (`local`): with workers, the sum over all of them. */
  metrics?(local: MetricsSource): Metrics;
  /** Gets, once the server is set up, the reading of this process's counters (a worker reports them). */
  counters?(read: MetricsSource): void;
}
