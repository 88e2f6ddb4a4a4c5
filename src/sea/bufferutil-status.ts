// Says whether ws masks frames with bufferutil's native addon or in JavaScript, for `--version`.
import sea from 'node:sea';
import { loadEmbeddedBufferUtil } from './embedded-bufferutil';

/** How ws masks and unmasks frames in this process. */
export type BufferUtilStatus = 'native' | 'javascript';

/**
 * 'native' when ws uses bufferutil's addon: the npm install's optional dependency, or in the
 * single executable the embedded copy. 'javascript' when WS_NO_BUFFER_UTIL turns it off, it
 * did not install, only its JavaScript fallback loaded, or the embedded copy could not load.
 */
export function bufferUtilStatus(): BufferUtilStatus {
  if (process.env.WS_NO_BUFFER_UTIL) return 'javascript';
  if (sea.isSea()) return loadEmbeddedBufferUtil().addon ? 'native' : 'javascript';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { mask } = require('bufferutil') as { mask?: unknown };
    // bufferutil falls back to plain JavaScript functions when its addon does not load.
    return typeof mask === 'function' && Function.prototype.toString.call(mask).includes('[native code]')
      ? 'native'
      : 'javascript';
  } catch {
    return 'javascript';
  }
}

/** `1.0.0 (bufferutil: native)`: the version first, so scripts can take the first word. */
export function versionLine(version: string): string {
  return `${version} (bufferutil: ${bufferUtilStatus()})`;
}
