// Whether one more upgrade may become a WebSocket now: shutdown, open files, then the request itself.
import type { IncomingMessage } from 'node:http';
import { connectionsAllowedByFdLimit, openFileLimit } from './fd-limit';
import { checkUpgrade, type UpgradeRefusal } from './handshake';
import type { ResolvedOptions } from '../options/options';

/** The answer to an upgrade that arrives during shutdown (shared with `--workers`). */
export const SHUTTING_DOWN_REFUSAL: UpgradeRefusal = { status: 503, reason: 'server is shutting down' };

/** What admission needs to know about the server right now. */
export interface AdmissionState {
  /** Whether the server is shutting down. */
  closing(): boolean;
  /** WebSocket connections open now. */
  openConnections(): number;
}

/** Decides upgrades for one server; `fdCapacity` is what the open-file limit allows. */
export interface Admission {
  /** The refusal for `req`, or undefined to accept it. */
  admit(req: IncomingMessage): UpgradeRefusal | undefined;
  /** Connections the open-file limit allows (Infinity where unknown). */
  readonly fdCapacity: number;
  /** The open-file limit (`ulimit -n`), undefined where unknown or unlimited. */
  readonly fdLimit: number | undefined;
}

/** Builds the admission check from the resolved options, reading the open-file limit once. */
export function createAdmission(config: ResolvedOptions, state: AdmissionState): Admission {
  const fdLimit = openFileLimit();
  const fdCapacity = connectionsAllowedByFdLimit(fdLimit);
  const admit = (req: IncomingMessage): UpgradeRefusal | undefined => {
    if (state.closing()) return SHUTTING_DOWN_REFUSAL;
    const open = state.openConnections();
    if (open >= fdCapacity) {
      return { status: 503, reason: `open-file limit reached (ulimit -n ${fdLimit})`, headers: { 'Retry-After': '1' } };
    }
    return checkUpgrade(req, { path: config.path, origins: config.origins, atCapacity: open >= config.maxConnections });
  };
  return { admit, fdCapacity, fdLimit };
}
