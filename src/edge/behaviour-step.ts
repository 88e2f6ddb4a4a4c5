// The upgrade under a behaviour: its URL's parameters checked (400), `reject`, the HTTP/2 faults, `accept-delay`.
import { clearTimeout, setTimeout } from 'node:timers';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { behaviourFromUrl, KNOWN_QUERY_NAMES, type Behaviour, type UnknownParameters } from '../behaviour/behaviour';
import { randomSeed } from '../behaviour/random';
import { appliedH2Fault } from './h2/h2-faults';
import type { UpgradeRefusal } from './handshake';

/** Bytes a client may send while its 101 is held back (it should send none before the 101). */
export const MAX_EARLY_BYTES = 64 * 1024;

/** What the behaviour step needs from the server. */
export interface UpgradeDeps {
  /** The behaviour of a connection whose URL asks for nothing (flags, API options). */
  defaults: Behaviour;
  /** Answers, logs and counts a refused upgrade. */
  refuse(socket: Duplex, path: string, refusal: UpgradeRefusal): void;
  /** Whether the server is shutting down (a held-back upgrade is then refused). */
  closing(): boolean;
  /** `strict` (`--strict-params`): a query parameter ws-echo does not know is refused (400), not only named. */
  strict?: boolean;
}

/** Upgrades that passed admission, refused or accepted as their behaviour says. */
export interface BehaviourUpgrades {
  /**
   * Refuses the upgrade (bad parameter: 400; `reject`: its status) or calls `accept` with the
   * connection's behaviour, the bytes that came with the request and the query names ws-echo does not know, at
   * once or after `accept-delay`. With `strict`, an unknown name is a 400.
   * `admitFirst`, when given, decides a delayed upgrade before its wait, so that it holds its slot while it waits (with
   * `--workers`, the primary's one limit); it calls on with the id it was given, which then goes to `accept`.
   */
  handle(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    accept: (behaviour: Behaviour, head: Buffer, unknown: UnknownParameters | undefined, admittedId?: number) => void,
    admitFirst?: (then: (id: number) => void) => void,
  ): void;
  /** Upgrades waiting for their accept-delay now: they hold a socket, so they count towards the limits. */
  readonly waiting: number;
  /** The server is shutting down: every upgrade still waiting is answered 503 now, not cut off with no answer. */
  refuseWaiting(): void;
}

const SHUTTING_DOWN: UpgradeRefusal = { status: 503, reason: 'server is shutting down' };

/** Statuses that tell a client when to come back. */
const RETRY_STATUSES = new Set([429, 503]);

/** The refusal `reject=<status>` asks for: that status, a short body, `Retry-After` where it belongs. */
function rejection(status: number): UpgradeRefusal {
  return {
    status,
    reason: `refused as asked (reject=${status})`,
    asked: true,
    ...(RETRY_STATUSES.has(status) ? { headers: { 'Retry-After': '1' } } : {}),
  };
}

/** The 400 of `strict`: each unknown name (escaped, cut short) with its closest known one, then every known name. */
export function unknownParametersRefusal(unknown: UnknownParameters): UpgradeRefusal {
  const named = unknown.map(({ name, didYouMean }) => {
    const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
    return didYouMean === undefined ? shown : `${shown} (did you mean ${didYouMean}?)`;
  });
  const what = `unknown query parameter${unknown.length === 1 ? '' : 's'} ${named.join(', ')}`;
  return { status: 400, reason: `${what}; known: ${KNOWN_QUERY_NAMES.join(', ')} (strict parameters are on)` };
}

/** The 400 of `strict` when the URL has unknown parameters; undefined when it has none or strict is off. */
function strictRefusal(
  unknown: UnknownParameters | undefined,
  strict: boolean | undefined,
): UpgradeRefusal | undefined {
  return unknown !== undefined && strict ? unknownParametersRefusal(unknown) : undefined;
}

/** A delay range with no seed gets a random one, so the log can show it and a run can be repeated. */
function seeded(behaviour: Behaviour): Behaviour {
  return Array.isArray(behaviour.delay) && behaviour.seed === undefined
    ? { ...behaviour, seed: randomSeed() }
    : behaviour;
}

/**
 * Holds the 101 back for `delayMs`, then calls `accept` with every byte the client sent meanwhile; a client that leaves
 * meanwhile costs only what it held. `waiting` holds each such upgrade as the function that refuses it now (shutdown).
 */
function acceptLater(
  deps: UpgradeDeps,
  waiting: Set<() => void>,
  hold: { socket: Duplex; path: string; head: Buffer; delayMs: number },
  accept: (head: Buffer) => void,
): void {
  const { socket, path, head, delayMs } = hold;
  const early: Buffer[] = [head];
  let earlyBytes = head.length;
  const refuseNow = (): void => {
    done();
    deps.refuse(socket, path, SHUTTING_DOWN);
  };
  waiting.add(refuseNow);
  const done = (): void => {
    waiting.delete(refuseNow);
    clearTimeout(timer);
    socket.off('data', onData).off('end', onGone).off('close', onGone).off('error', onGone);
  };
  const onGone = (): void => {
    done();
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    early.push(chunk);
    earlyBytes += chunk.length;
    if (earlyBytes > MAX_EARLY_BYTES) onGone();
  };
  const timer = setTimeout(() => {
    done();
    if (deps.closing()) return deps.refuse(socket, path, SHUTTING_DOWN);
    accept(early.length === 1 ? head : Buffer.concat(early));
  }, delayMs);
  // Read while waiting: without a reader, a client that leaves would go unnoticed until the timer.
  socket.on('data', onData).once('end', onGone).once('close', onGone).on('error', onGone);
}

/** Creates the behaviour step of the upgrade path. */
export function behaviourUpgrades(deps: UpgradeDeps): BehaviourUpgrades {
  /** Each upgrade waiting for its accept-delay, as the function that refuses it now. */
  const waiting = new Set<() => void>();

  return {
    handle(req, socket, head, accept, admitFirst) {
      const path = req.url ?? '/';
      const { behaviour: asked, error, unknown } = behaviourFromUrl(req.url, deps.defaults);
      const refusal = error === undefined ? strictRefusal(unknown, deps.strict) : { status: 400, reason: error };
      if (refusal !== undefined) return deps.refuse(socket, path, refusal);
      const behaviour = seeded(asked!);
      if (behaviour.reject !== undefined) return deps.refuse(socket, path, rejection(behaviour.reject));
      if (appliedH2Fault(behaviour, socket, (refusal) => deps.refuse(socket, path, refusal))) return;
      const delayMs = behaviour.acceptDelay;
      if (!delayMs) return accept(behaviour, head, unknown);
      const wait = (id?: number): void =>
        acceptLater(deps, waiting, { socket, path, head, delayMs }, (early) => accept(behaviour, early, unknown, id));
      if (admitFirst) admitFirst(wait);
      else wait();
    },
    get waiting() {
      return waiting.size;
    },
    refuseWaiting() {
      for (const refuseNow of [...waiting]) refuseNow();
    },
  };
}
