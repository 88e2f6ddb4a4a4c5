// The upgrade path: an HTTP upgrade request, from admission to an echoing connection.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { describeBehaviour, type Behaviour, type UnknownParameters } from '../behaviour/behaviour';
import type { EchoConnection } from '../connection/connection';
import type { ConnectionSet } from '../connection/connection-set';
import type { ConnectionEvent } from '../core/log-events';
import type { FixtureHub } from '../fixture/fixture-hub';
import type { Logger } from '../log/logger';
import type { Negotiation } from '../protocols/negotiation';
import type { Admission } from './admission';
import type { BehaviourUpgrades } from './behaviour-step';
import type { DescriptorGuard } from './fd-guard';
import type { UpgradeRefusal } from './handshake';
import { transportOf } from './h2/stream-socket';
import { remoteOf } from './listener';
import type { Refusals } from './refusals';

/** Decides an upgrade across processes (`--workers`): `open(id)` with a global id, or `refuse`. */
export type AdmitAcross = (
  socket: Duplex,
  open: (id: number) => void,
  refuse: (refusal: UpgradeRefusal) => void,
) => void;

/** What the upgrade path goes through, in order, and where a connection ends up. */
export interface UpgradePathParts {
  admission: Admission;
  refusals: Refusals;
  negotiation: Negotiation;
  /** The URL behaviour step: 400 for a bad parameter, `reject`, `accept-delay`. */
  upgrades: BehaviourUpgrades;
  wss: WebSocketServer;
  descriptors: DescriptorGuard;
  open: ConnectionSet;
  fixture: FixtureHub;
  log: Logger;
  /** With `--workers`, the primary decides each upgrade that passed every local check. */
  admitAcross?: AdmitAcross;
  /**
   * With --h2: WebSockets opened over HTTP/2 (RFC 8441) so far. Its presence also puts the transport in each
   * `connection` event (without --h2 every WebSocket is an HTTP/1.1 one, and the event stays as it was).
   */
  h2Opened?: { count: number };
}

/**
 * The server's `'upgrade'` listener: admission (path, origin, limits) → the negotiation's
 * preparation → the URL behaviour step → (with `--workers`, the primary's admission) →
 * ws's handshake → a connection, logged and handed to the fixture before it sends anything.
 */
export function upgradePath(parts: UpgradePathParts): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { admission, refusals, negotiation, upgrades, admitAcross } = parts;
  return (req, socket, head) => {
    const refusal = admission.admit(req);
    if (refusal) return refusals.refuse(socket, req.url ?? '/', refusal);
    negotiation.prepare(req);
    const refuseAcross = (globalRefusal: UpgradeRefusal): void =>
      refusals.refuse(socket, req.url ?? '/', globalRefusal);
    // With --workers, an upgrade held back by accept-delay is admitted before it waits: it holds a slot meanwhile.
    const admitFirst = admitAcross && ((then: (id: number) => void) => admitAcross(socket, then, refuseAcross));
    const onAccepted = (
      behaviour: Behaviour,
      early: Buffer,
      unknown: UnknownParameters | undefined,
      admittedId?: number,
    ): void => {
      const accept = (givenId?: number): void => handshake(parts, req, socket, early, behaviour, givenId, unknown);
      if (!admitAcross || admittedId !== undefined) return accept(admittedId);
      admitAcross(socket, accept, refuseAcross);
    };
    upgrades.handle(req, socket, head, onAccepted, admitFirst);
  };
}

/** The connection event's `unknownParams` (names) and `didYouMean` (name to closest known name, when any is close). */
function unknownParamsFields(unknown: UnknownParameters): Pick<ConnectionEvent, 'unknownParams' | 'didYouMean'> {
  const hints = unknown.filter((u) => u.didYouMean !== undefined).map((u) => [u.name, u.didYouMean as string]);
  return {
    unknownParams: unknown.map((u) => u.name),
    ...(hints.length === 0 ? {} : { didYouMean: Object.fromEntries(hints) as Record<string, string> }),
  };
}

/** ws's handshake, then the connection: its id is `givenId` when another process numbered it. */
function handshake(
  parts: UpgradePathParts,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  behaviour: Behaviour,
  givenId: number | undefined,
  unknown?: UnknownParameters,
): void {
  parts.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    parts.descriptors.upgraded(socket);
    // Logged (and handed to the fixture) before the connection sends anything: a greeting, a fault.
    const transport = transportOf(socket);
    if (transport === 'h2' && parts.h2Opened) parts.h2Opened.count++;
    const announce = (connection: EchoConnection): void => {
      const event: ConnectionEvent = {
        event: 'connection',
        id: connection.id,
        remote: remoteOf(req.socket),
        path: req.url ?? '/',
        ...(parts.h2Opened && { transport }),
        behaviour: describeBehaviour(behaviour),
        ...(unknown === undefined ? {} : unknownParamsFields(unknown)),
        ...parts.negotiation.describe(req, ws),
      };
      parts.log.log(event);
      parts.fixture.connected(event, connection, ws, socket, req);
    };
    parts.open.add(ws, socket, behaviour, announce, givenId);
  });
}
