// Every library internal ws-echo relies on, one row each: what the guard test checks against the installed ws and Node.
import { HTTP_SHAPES } from './node-http';
import { TLS_SHAPES } from './node-tls';
import { STREAM_SHAPES } from './node-streams';
import type { Shape } from './shape-check';
import { CLOSE_FLAG_SHAPES } from './ws-close-flags';
import { EXTENSION_SHAPES } from './ws-extensions';
import { FRAME_SHAPES } from './ws-frames';
import { INFLATE_SHAPES } from './ws-inflate';
import { RECEIVER_SHAPES } from './ws-receiver';
import { WEBSOCKET_SHAPES } from './ws-websocket';

/** Every row, ws's first; README.md in this folder explains each. */
export const SHAPES: readonly Shape[] = [
  ...RECEIVER_SHAPES,
  ...CLOSE_FLAG_SHAPES,
  ...WEBSOCKET_SHAPES,
  ...EXTENSION_SHAPES,
  ...INFLATE_SHAPES,
  ...FRAME_SHAPES,
  ...TLS_SHAPES,
  ...STREAM_SHAPES,
  ...HTTP_SHAPES,
];
