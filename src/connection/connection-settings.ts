// What a connection gets from its server: its mode and limits, the logger, and the counters it adds to.
import type { ModeRules } from '../behaviour/modes';
import type { Logger } from '../log/logger';
import type { ReceiveLimits } from './close-reasons';

/** Counters a connection adds to; the server owns them. */
export interface EchoCounters {
  messagesReceived: number;
  messagesEchoed: number;
  bytesReceived: number;
  bytesEchoed: number;
  protocolErrors: number;
  /** The binary share of the four counts above (text is the rest), for /metrics. */
  binaryMessagesReceived: number;
  binaryBytesReceived: number;
  binaryMessagesEchoed: number;
  binaryBytesEchoed: number;
  /** Connections closed, by the code their close log line shows. */
  closesByCode: Map<number, number>;
}

/**
 * What a connection needs: its mode's rules, buffer size and ping interval (its own, or the server's), and what every
 * connection shares.
 */
export interface ConnectionSettings {
  modeRules: ModeRules;
  bufferSize: number;
  /** 0 turns the idle timeout off. */
  idleTimeoutMs: number;
  /** How often the connection is pinged, in ms (the one internal form of `pingInterval`); 0: never, pongs untracked. */
  pingIntervalMs: number;
  counters: EchoCounters;
  logger: Logger;
  /** What a client may send; named in the close reason when it sends more. */
  limits: ReceiveLimits;
}
