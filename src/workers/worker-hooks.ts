// A worker's server hooks: connection ids, the global connection limit, /healthz and /metrics totals, asked of the
// primary.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pathOf, type UpgradeRefusal } from '../edge/handshake';
import type { ServerHooks } from '../server/hooks';
import { answerHttp, type HttpStatusSource } from '../edge/http-answers';
import type { CounterSnapshot } from '../core/counters';
import type { MetricsSource } from '../metrics/prometheus';
import { clusterMetrics } from './cluster-metrics';
import type { FromWorker, PrimaryAnswer, WorkerRequest } from './messages';

/** Requests to the primary, each answered by the message with its `seq`. */
export class PrimaryChannel {
  private lastSeq = 0;
  private readonly waiting = new Map<number, (answer: PrimaryAnswer) => void>();

  /** @param send puts a message on the IPC channel */
  constructor(private readonly send: (message: FromWorker) => void) {}

  /** Sends `request` and resolves with the primary's answer. */
  ask(request: WorkerRequest): Promise<PrimaryAnswer> {
    const seq = ++this.lastSeq;
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      this.send({ ...request, seq });
    });
  }

  /** Hands an answer from the primary to the request waiting for it. */
  answered(answer: PrimaryAnswer): void {
    const resolve = this.waiting.get(answer.seq);
    this.waiting.delete(answer.seq);
    resolve?.(answer);
  }
}

/**
 * The hooks that make this worker one part of a single server. An admitted connection holds
 * its slot until its socket closes, whatever happens in between (a client that leaves during
 * the round trip, an upgrade `ws` refuses): the socket's `close` is the one release.
 * `worker` is this worker's number, which labels its process metrics.
 */
export function workerHooks(channel: PrimaryChannel, send: (message: FromWorker) => void, worker: number): WorkerHooks {
  const admit = (socket: Duplex, open: (id: number) => void, refuse: (refusal: UpgradeRefusal) => void): void => {
    let slot: 'asking' | 'held' | 'gone' = 'asking';
    // Node removed its own listener when it handed the socket over; ws adds one only in handleUpgrade.
    socket.on('error', () => undefined);
    // A socket read while its 101 was held back (accept-delay) is still flowing, and nobody listens for its data
    // until ws does: paused over the round trip, frames the client sends meanwhile wait for ws instead of being lost.
    const flowing = socket.readableFlowing === true;
    if (flowing) socket.pause();
    socket.once('close', () => {
      if (slot === 'held') send({ type: 'release' });
      slot = 'gone';
    });
    void channel.ask({ type: 'admit' }).then((answer) => {
      // Flowing again from the next tick: ws's 'data' listener is on by then (handleUpgrade adds it at once), and a
      // refused socket reads on as before, so its end is seen.
      if (flowing) socket.resume();
      if (answer.type === 'refused') return refuse(answer.refusal);
      if (answer.type !== 'admitted') return;
      if (slot === 'gone') return send({ type: 'release' });
      slot = 'held';
      open(answer.id);
    });
  };

  const answer = (req: IncomingMessage, res: ServerResponse, source: HttpStatusSource): void => {
    if (pathOf(req.url) !== '/healthz') return answerHttp(req, res, source);
    void channel.ask({ type: 'health' }).then((reply) => {
      if (reply.type !== 'health') return;
      const { connections, logLinesDropped, workers } = reply.health;
      answerHttp(req, res, {
        ...source,
        connections: () => connections,
        logLinesDropped: () => logLinesDropped,
        details: () => ({ workers }),
      });
    });
  };

  // /metrics: this worker's counters go along with each scrape, and the primary answers the sum.
  const metrics = (local: MetricsSource): ReturnType<typeof clusterMetrics> => {
    const ask = async (own: CounterSnapshot): Promise<CounterSnapshot> => {
      const reply = await channel.ask({ type: 'metrics', own });
      return reply.type === 'metrics' ? reply.metrics : own;
    };
    return clusterMetrics(local, ask, worker);
  };
  let read: MetricsSource | undefined;
  const counters = (source: MetricsSource): void => void (read = source);

  return { admit, answerHttp: answer, metrics, counters, snapshot: () => read?.() };
}

/** The hooks of a worker, and the reading of its counters for its reports (none before its server is set up). */
export interface WorkerHooks extends ServerHooks {
  snapshot(): CounterSnapshot | undefined;
}
