// The worker processes behind --workers: forks them, replaces one that dies (backing off), stops them all.
import { clearTimeout, setTimeout } from 'node:timers';
import cluster, { type Worker } from 'node:cluster';
import type { Readable } from 'node:stream';
import { EchoServerError } from '../core/errors';
import { watchHandoffs } from '../internals/node-cluster';
import type { Logger } from '../log/logger';
import { WORKER_ENV, type FromWorker, type ToWorker } from './messages';

/** One worker process. `slot` (1..n) is what logs call "worker 2" and survives a replacement. */
export interface WorkerProcess {
  readonly slot: number;
  readonly worker: Worker;
  readonly exited: Promise<void>;
  listening: boolean;
  /** The port it was told to listen on, once told: the cluster shares one socket per port asked for. */
  port?: number;
}

/** The listening message a worker sends once its server is up. */
export type ListeningMessage = Extract<FromWorker, { type: 'listening' }>;

/** What the pool tells its owner. */
export interface PoolEvents {
  /** A worker's server is up. */
  listening(proc: WorkerProcess, message: ListeningMessage): void;
  /** Any other message from a worker. */
  message(proc: WorkerProcess, message: FromWorker): void;
  /** A worker process is gone, and its connections with it. */
  exited(proc: WorkerProcess): void;
}

/** Longest line kept from a worker's raw stdout/stderr before it is cut. */
const RAW_LINE_LIMIT = 16 * 1024;

/**
 * The delay before replacing a dead worker: 100 ms after a lone death, doubling while
 * deaths follow each other within a minute, at most 30 s, so a worker that dies at once
 * every time (a crash on start) cannot make the primary fork in a tight loop.
 */
export class RestartBackoff {
  private streak = 0;
  private lastDeath = -Infinity;

  /** Milliseconds to wait before the next replacement, given a death `now`. */
  next(now = Date.now()): number {
    if (now - this.lastDeath > 60_000) this.streak = 0;
    this.lastDeath = now;
    return Math.min(30_000, 100 * 2 ** this.streak++);
  }
}

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/** Logs what a worker printed itself (a crash's stack trace) as whole error lines. */
function forwardRawOutput(stream: Readable | null, who: () => string, log: Logger): void {
  let partial = '';
  const emit = (line: string): void => {
    if (line.trim() !== '') log.log({ event: 'error', message: `${who()}: ${line}` });
  };
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > RAW_LINE_LIMIT) lines.push(partial.slice(0, RAW_LINE_LIMIT) + '…');
    if (partial.length > RAW_LINE_LIMIT) partial = '';
    lines.forEach(emit);
  });
  stream?.on('end', () => emit(partial));
}

/** Forks `count` workers over `node:cluster` and keeps that many running until {@link WorkerPool.stop}. */
export class WorkerPool {
  private readonly processes = new Set<WorkerProcess>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly backoff = new RestartBackoff();
  private stopping = false;
  private startup: { listening(): void; failed(error: EchoServerError): void } | undefined;

  /**
   * @param count workers to keep running
   * @param startMessage what a worker (in `proc.slot`) is told to run, once it is ready
   * @param log where deaths and replacements are logged
   * @param events what the owner hears about
   */
  constructor(
    private readonly count: number,
    private readonly startMessage: (proc: WorkerProcess) => ToWorker,
    private readonly log: Logger,
    private readonly events: PoolEvents,
  ) {
    // Round-robin: this process accepts and hands each connection to the next worker. The
    // alternative, every worker accepting on a shared socket, leaves the kernel to pick, and
    // WebSocket connections live long, so any skew would last (see the README).
    cluster.schedulingPolicy = cluster.SCHED_RR;
    // `advanced`: Buffers (TLS keys) cross as they are. `silent`: a worker's own output
    // comes here in whole lines rather than straight onto the terminal.
    cluster.setupPrimary({ serialization: 'advanced', silent: true });
  }

  /** The workers running now. */
  live(): WorkerProcess[] {
    return [...this.processes];
  }

  /** Forks every worker; resolves once all listen, rejects (stopping the rest) if one cannot start. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiting = this.count;
      this.startup = {
        listening: () => {
          if (--waiting > 0) return;
          this.startup = undefined;
          resolve();
        },
        failed: (error) => {
          this.startup = undefined;
          void this.stop(0).then(() => reject(error));
        },
      };
      for (let slot = 1; slot <= this.count; slot++) this.fork(slot);
    });
  }

  private fork(slot: number): void {
    const worker = cluster.fork({ [WORKER_ENV]: '1' });
    const closeStranded = watchHandoffs(worker.process);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const proc: WorkerProcess = { slot, worker, exited, listening: false };
    this.processes.add(proc);
    const who = (): string => `worker ${slot} (pid ${worker.process.pid})`;
    forwardRawOutput(worker.process.stdout, who, this.log);
    forwardRawOutput(worker.process.stderr, who, this.log);
    worker.on('error', () => undefined); // a send to a worker that is exiting; its exit says the rest
    let failure: EchoServerError | undefined;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') return void worker.send(this.startMessage(proc));
      if (message.type === 'failed') return void (failure = new EchoServerError(message.message, message.exitCode));
      if (message.type !== 'listening') return this.events.message(proc, message);
      proc.listening = true;
      this.events.listening(proc, message);
      if (this.startup) return this.startup.listening();
      this.log.log({ event: 'warning', message: `${who()} replaced the one that exited, and is serving` });
    });
    worker.once('exit', (code: number | null, signal: string | null) => {
      // Connections on their way to it when it died: else their clients would wait for ever (see node-cluster.ts).
      closeStranded();
      this.processes.delete(proc);
      this.events.exited(proc);
      if (this.stopping) return;
      if (this.startup) {
        return this.startup.failed(
          failure ?? new EchoServerError(`${who()} exited while starting (${describeExit(code, signal)})`, 1),
        );
      }
      const delay = this.backoff.next();
      const why = failure ? `could not start: ${failure.message}` : `exited (${describeExit(code, signal)})`;
      this.log.log({ event: 'warning', message: `${who()} ${why}; starting a new one in ${delay} ms` });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.fork(slot);
      }, delay);
      this.timers.add(timer);
    });
  }

  /**
   * Tells every serving worker to stop (each ends its connections as the mode says, reports
   * and exits), kills those still starting, and resolves once all are gone; any still
   * running after `timeoutMs` are killed.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    const procs = this.live();
    procs.forEach((proc) =>
      proc.listening ? proc.worker.send({ type: 'stop' } satisfies ToWorker) : proc.worker.process.kill('SIGKILL'),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(procs.map((proc) => proc.exited)), late]);
    clearTimeout(timer);
    this.live().forEach((proc) => proc.worker.process.kill('SIGKILL'));
    await Promise.all(procs.map((proc) => proc.exited));
  }
}
