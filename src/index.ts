// The public API: start an echo server from code (tests, fixtures, scripts).
export { startEchoServer } from './server';
export { EchoServerError } from './errors';
export { MODES, MODE_NAMES, DEFAULT_MODE } from './modes';
export type { ModeBehavior } from './modes';
export type { LogEvent } from './log-events';
export type { EchoMode, EchoServer, EchoServerOptions, EchoStats, LogFormat, LogOptions, TlsOptions } from './types';
