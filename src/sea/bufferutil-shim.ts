// What `require('bufferutil')` means inside the single executable (esbuild's --alias in the Makefile points ws here).
import { loadEmbeddedBufferUtil } from './embedded-bufferutil';

const { addon, reason } = loadEmbeddedBufferUtil();
// ws wraps its require('bufferutil') in try/catch: throwing here makes it mask in JavaScript, silently.
if (!addon) throw new Error(`bufferutil is not available: ${reason}`);

export = addon;
