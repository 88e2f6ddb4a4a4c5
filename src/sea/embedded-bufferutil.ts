// The single executable's bufferutil: the addon embedded as a SEA asset, written once to a per-user cache file and
// loaded from there.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sea from 'node:sea';

/** What ws calls on bufferutil (native frame masking). */
export interface BufferUtil {
  mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
  unmask(buffer: Buffer, mask: Buffer): void;
}

/** The outcome of loading: the addon, or why ws masks in JavaScript. */
export interface EmbeddedBufferUtil {
  addon?: BufferUtil;
  reason?: string;
}

/**
 * The SEA asset holding the addon for the platform the binary was built on (see the Makefile's
 * binary target). A binary that runs elsewhere finds no asset of its own platform's name.
 */
export const BUFFERUTIL_ASSET = `bufferutil-${process.platform}-${process.arch}.node`;

/** Where a user's cached files go: $XDG_CACHE_HOME, else the platform's cache folder. */
export function userCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'ws-echo');
  if (process.platform === 'win32' && process.env.LOCALAPPDATA) return path.join(process.env.LOCALAPPDATA, 'ws-echo');
  const home = os.homedir();
  return path.join(home, process.platform === 'darwin' ? 'Library/Caches' : '.cache', 'ws-echo');
}

/**
 * Creates `dir` and any missing parent, one component at a time and never recursively:
 * Node 20's `mkdirSync(..., { recursive: true })` spins forever at 100% CPU under /proc
 * (e.g. XDG_CACHE_HOME=/proc/none). A component that exists must be a folder; any error
 * throws, and the caller falls back to JavaScript.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) throw new Error(`${at} is not a folder`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(at) === at) throw error;
      missing.unshift(at);
    }
  }
  for (const folder of missing) mkdirSync(folder, { mode: 0o700 });
}

/**
 * The addon file in the cache, named by the hash of its bytes (so binaries of different
 * versions never share a file); written once, through a temporary file and a rename, so a
 * concurrent start never loads half a file. A file whose bytes differ is replaced.
 */
function cachedAddonFile(bytes: Buffer): string {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dir = userCacheDir();
  const file = path.join(dir, `bufferutil-${hash}.node`);
  try {
    if (readFileSync(file).equals(bytes)) return file;
  } catch {
    // not there yet
  }
  makeFolders(dir);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, bytes, { mode: 0o700 });
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  return file;
}

let outcome: EmbeddedBufferUtil | undefined;

/**
 * Loads the embedded addon once per process (later calls return the first outcome). Never
 * throws: outside a single executable, without the asset, or when the cache cannot be
 * written or the file cannot be loaded, the reason comes back instead.
 */
export function loadEmbeddedBufferUtil(): EmbeddedBufferUtil {
  if (outcome) return outcome;
  try {
    if (!sea.isSea()) return (outcome = { reason: 'not a single executable' });
    const bytes = Buffer.from(sea.getAsset(BUFFERUTIL_ASSET));
    const module = { exports: {} as Partial<BufferUtil> };
    process.dlopen(module, cachedAddonFile(bytes));
    const { mask, unmask } = module.exports;
    if (typeof mask !== 'function' || typeof unmask !== 'function')
      return (outcome = { reason: 'the addon has no mask/unmask' });
    outcome = { addon: { mask, unmask } };
  } catch (error) {
    outcome = { reason: error instanceof Error ? error.message : String(error) };
  }
  return outcome;
}
