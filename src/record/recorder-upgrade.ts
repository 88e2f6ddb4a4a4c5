// A recorder's answer to each client's upgrade: checked, the target dialled within the handshake time, the pair begun.
import { clearTimeout, setTimeout } from 'node:timers';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { type WebSocketServer } from 'ws';
import { checkUpgrade, refuseUpgrade, type UpgradeRefusal } from '../edge/handshake';
import { remoteOf } from '../edge/listener';
import type { Logger } from '../log/logger';
import { proxyPair } from './proxy-pair';
import { tallyMessage, type RecorderTotals } from './recorder-stats';
import type { TranscriptFile } from './transcript-file';
import { headersOf, passedOn, unreachableReason, upstreamUrl, type TargetTlsOptions } from './upstream-request';

/** What every upgrade of one recorder shares. */
export interface RecorderState {
  target: URL;
  targetTls: TargetTlsOptions;
  file: TranscriptFile;
  wss: WebSocketServer;
  /** The subprotocol the target chose, for the client's handshake. */
  chosen: WeakMap<IncomingMessage, string>;
  /** Every socket of a pair being recorded (client and upstream). */
  pairs: Set<WebSocket>;
  /** Header names the flags added to those always redacted. */
  redacted: ReadonlySet<string>;
  limits: { maxPayload: number; maxFragments: number };
  /** Milliseconds the target has, in all, to answer the upgrade (the server's handshake timeout). */
  handshakeTimeout: number;
  /** Pairs (recorded, or dialling the target) allowed at once; past it clients get 503. */
  maxConnections: number;
  /** Clients whose target is being dialled now. */
  dialling: number;
  /** The recorder is stopping: the pairs it closes now are written with no ending line. */
  stopping: boolean;
  logger: Logger;
  totals: RecorderTotals;
}

/** RFC 7230 token: what a subprotocol name may be (RFC 6455 §4.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The answer to every client once the transcript cannot be written. */
export const STOPPED_REFUSAL: UpgradeRefusal = {
  status: 503,
  reason: 'the recorder stopped: its transcript could not be written',
};

/** The client's offered subprotocols, or why they cannot be offered on (not tokens, or one offered twice). */
function offeredOf(req: IncomingMessage): string[] | string {
  const header = req.headers['sec-websocket-protocol'];
  if (header === undefined) return [];
  const names = header.split(',').map((name) => name.trim());
  if (!names.every((name) => TOKEN.test(name)))
    return 'invalid Sec-WebSocket-Protocol: a comma-separated list of tokens is expected';
  if (new Set(names).size !== names.length) return 'invalid Sec-WebSocket-Protocol: a subprotocol is offered twice';
  return names;
}

/**
 * Why the client is answered without dialling the target, checked in this order: the transcript failed, the upgrade
 * is not one the server would take (or the connection limit is reached), its subprotocol offer is invalid, its path
 * makes no upstream URL.
 */
function refusalOf(state: RecorderState, req: IncomingMessage, failed: boolean): UpgradeRefusal | undefined {
  if (failed) return STOPPED_REFUSAL;
  const atCapacity = state.pairs.size / 2 + state.dialling >= state.maxConnections;
  const refusal = checkUpgrade(req, { atCapacity });
  if (refusal) return refusal;
  const offered = offeredOf(req);
  if (typeof offered === 'string') return { status: 400, reason: offered };
  if (upstreamUrl(state.target, req.url ?? '/') === undefined)
    return { status: 400, reason: 'the request path cannot be joined to the target (a # has no place in it)' };
  return undefined;
}

/** Refuses the client (logged, counted) with `refusal`. */
function refuseClient(state: RecorderState, req: IncomingMessage, socket: Duplex, refusal: UpgradeRefusal): void {
  state.totals.refused++;
  const { status, reason } = refusal;
  state.logger.log({ event: 'rejected', remote: remoteOf(req.socket), path: req.url ?? '/', status, reason });
  refuseUpgrade(socket, refusal);
}

/** The client's connection to the target for `req`, with the client's offers, headers and the TLS options. */
function connectUpstream(state: RecorderState, req: IncomingMessage): WebSocket {
  return new WebSocket(upstreamUrl(state.target, req.url ?? '/')!, offeredOf(req) as string[], {
    ...state.targetTls,
    headers: passedOn(req),
    ...state.limits,
    perMessageDeflate: req.headers['sec-websocket-extensions'] !== undefined,
    handshakeTimeout: state.handshakeTimeout,
    autoPong: false,
  });
}

/** What the client gets when the target answers the upgrade with an HTTP status: it, and a redirect's Location. */
function targetRefusal(response: IncomingMessage): UpgradeRefusal {
  const status = response.statusCode ?? 502;
  const location = response.headers.location;
  return {
    status,
    reason: `the target answered HTTP ${status}`,
    ...(location ? { headers: { Location: location } } : {}),
  };
}

/** Answers the client's handshake with what `upstream` agreed, and proxies the pair as the next connection. */
function startPair(
  state: RecorderState,
  [req, socket, head]: [IncomingMessage, Duplex, Buffer],
  upstream: WebSocket,
  upstreamSocket: Duplex,
): void {
  const { file, wss, pairs, totals, logger } = state;
  state.chosen.set(req, upstream.protocol);
  wss.handleUpgrade(req, socket, head, (client) => {
    const id = ++totals.connectionsTotal;
    const path = req.url ?? '/';
    const openLine = { c: id, event: 'open', path, protocol: client.protocol, extensions: upstream.extensions };
    file.write({ ...openLine, headers: headersOf(req, state.redacted), at: new Date() });
    const negotiated = { protocol: client.protocol || undefined, extensions: upstream.extensions || undefined };
    logger.log({ event: 'connection', id, remote: remoteOf(req.socket), path, ...negotiated });
    pairs.add(client).add(upstream);
    const tally = (from: 'c' | 's', bytes: number): void => tallyMessage(totals, from, bytes);
    void proxyPair(
      id,
      [client, upstream],
      [socket, upstreamSocket],
      file,
      [tally, state.limits.maxPayload],
      () => state.stopping,
    ).then((end) => {
      pairs.delete(client);
      pairs.delete(upstream);
      logger.log({ event: 'record-end', id, ...end });
    });
  });
  // ws answers nothing to a client already gone: its upstream goes too.
  if (socket.destroyed && !pairs.has(upstream)) upstream.terminate();
}

/** Dials the target for the client; answers the client once, from whichever comes first. */
function dial(state: RecorderState, upgrade: [IncomingMessage, Duplex, Buffer], failed: () => boolean): void {
  const [req, socket] = upgrade;
  const upstream = connectUpstream(state, req);
  let upstreamSocket: Duplex | undefined;
  upstream.once('upgrade', (response) => (upstreamSocket = response.socket));
  state.dialling++;
  let answered = false;
  const answer = (refusal?: UpgradeRefusal): boolean => {
    if (answered) return false;
    answered = true;
    state.dialling--;
    clearTimeout(deadline);
    socket.off('close', gone);
    if (refusal) refuseClient(state, req, socket, refusal);
    return true;
  };
  const reason = `the target did not finish its handshake within ${state.handshakeTimeout} ms`;
  const deadline = setTimeout(() => answer({ status: 504, reason }) && upstream.terminate(), state.handshakeTimeout);
  // Until the client's handshake is answered, a client that leaves ends the upstream.
  const gone = (): void => void (answer() && upstream.terminate());
  socket.once('close', gone);
  upstream.on('error', (error: NodeJS.ErrnoException) => answer({ status: 502, reason: unreachableReason(error) }));
  upstream.on('unexpected-response', (_request, response: IncomingMessage) => {
    answer(targetRefusal(response));
    upstream.terminate();
  });
  upstream.once('open', () => {
    if (!answer(failed() ? STOPPED_REFUSAL : undefined)) return;
    if (failed()) return upstream.terminate();
    guarded(state, req, socket, () => startPair(state, upgrade, upstream, upstreamSocket!));
  });
}

/** Runs `step` of a client's upgrade; an unexpected throw answers that client 500, logged; the recorder runs on. */
function guarded(state: RecorderState, req: IncomingMessage, socket: Duplex, step: () => void): void {
  try {
    step();
  } catch (error) {
    state.logger.log({ event: 'error', message: `a client's upgrade failed: ${(error as Error).message}` });
    refuseClient(state, req, socket, { status: 500, reason: 'the recorder failed to handle this upgrade' });
  }
}

/**
 * Handles a client's upgrade: checks it, connects to the target (in at most the handshake time), then answers the
 * client with what the target agreed, and proxies the pair as the next connection of the transcript. `failed`: the
 * transcript can no longer be written (every client then gets 503).
 */
export function upgradeHandler(
  state: RecorderState,
  failed: () => boolean,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    guarded(state, req, socket, () => {
      const refusal = refusalOf(state, req, failed());
      if (refusal) return refuseClient(state, req, socket, refusal);
      dial(state, [req, socket, head], failed);
    });
  };
}
