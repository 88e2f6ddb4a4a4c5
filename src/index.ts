// The public API: start an echo server from code (tests, fixtures, scripts).
export { startEchoServer } from './server/server';
export { EchoServerError } from './core/errors';
export { MODES, MODE_NAMES, DEFAULT_MODE } from './behaviour/modes';
export type { ModeRules } from './behaviour/modes';
export type { CloseEvent, ConnectionEvent, LogEvent, MessageEvent } from './core/log-events';
export type {
  BehaviourOptions,
  DelayOption,
  EchoMode,
  EchoServer,
  EchoServerOptions,
  EchoStats,
  LogFormat,
  LogOptions,
  TlsOptions,
} from './core/types';
export type {
  ClientClosed,
  EchoClient,
  EchoServerEvents,
  OutgoingData,
  PongReply,
  ReceivedMessage,
  SendOptions,
  SettableBehaviour,
  WaitOptions,
} from './core/types';
export type {
  ExpectClosedOptions,
  ExpectMessageOptions,
  JsonValue,
  MessageExpectation,
  TranscriptEntry,
} from './core/client-types';
export type {
  EchoRule,
  JsonPattern,
  RuleAnswer,
  RuleAnswerData,
  RuleCaptures,
  RuleMessage,
  RuleWhen,
} from './core/rule-types';
export { BEHAVIOUR_PARAMETERS } from './behaviour/parameters';
export type { BehaviourParameter, ParameterKind } from './behaviour/parameters';
export { startRecorder } from './record/recorder';
export type { Recorder, RecorderOptions, RecorderStats, TargetTlsOptions } from './record/recorder';
export { startReplay } from './replay/replay-server';
export type { ReplayOptions, ReplayServer } from './replay/replay-server';
export { CLOSE_REPLAY_MISMATCH, ReplayMismatchError } from './replay/player';
export type { ReplayEnd } from './replay/player';
