// What a connection gets from its server: its mode and limits, the logger, and the counters it adds to.
import type { ModeRules } from '../behaviour/modes';
import type { ConnectionCounters } from '../core/counters';
import type { Logger } from '../log/logger';
import type { CompiledRules } from '../rules/compile';
import type { ReceiveLimits } from './close-reasons';

/**
 * Counters a connection adds to (plain fields, incremented in place); the server owns them. Their
 * names come from the one list of counters, `COUNTERS` in core/counters.ts.
 */
export type EchoCounters = ConnectionCounters;

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
  /** The server's reply rules, compiled; undefined: none (each message is echoed as the mode says). */
  rules?: CompiledRules;
}
