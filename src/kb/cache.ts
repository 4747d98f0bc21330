/**
 * A compact cache of the built knowledge base (and, separately, its search
 * index) in the data dir's cache folder: V8 serialisation of the model, behind
 * a small header holding the format version and the key of the source files
 * (path, size, mtime, inode of the bundle and the index). A key or format
 * mismatch, or any read error, means "no cache": the caller rebuilds and
 * rewrites it. Writes are atomic (temp file + rename), so a crash never leaves
 * a half-written cache that a later load would trust.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../common/files.js';

/** Bump when the model or the cache layout changes. */
export const KB_CACHE_FORMAT = 3;
const MAGIC = 'TTPSKBC1';

export interface SourceFile {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/**
 * Where a file really is: the same bundle reached through a symlinked folder (a data dir whose `attack/`
 * links to another's) is one cache entry, not a new one per path that never hits again.
 */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export function sourceFile(path: string): SourceFile | undefined {
  try {
    const st = statSync(path);
    return { path: realPath(path), size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
  } catch {
    return undefined;
  }
}

export function cacheKey(kind: string, sources: readonly (SourceFile | undefined)[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ format: KB_CACHE_FORMAT, kind, sources: sources.map((s) => s ?? null), ...extra });
}

/** One cache file per bundle path and kind, so different bundles do not evict each other. */
export function cachePath(cacheDir: string, bundlePath: string, kind: 'model' | 'search'): string {
  const h = createHash('sha256').update(realPath(bundlePath)).digest('hex').slice(0, 16);
  return join(cacheDir, `kb-${kind}-${h}.v8`);
}

export function readCache<T>(path: string, key: string): T | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return undefined;
  }
  try {
    if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const headerLength = buf.readUInt32LE(8);
    if (12 + headerLength > buf.length) return undefined;
    if (buf.toString('utf8', 12, 12 + headerLength) !== key) return undefined;
    return deserialize(buf.subarray(12 + headerLength)) as T;
  } catch {
    return undefined;
  }
}

/** Write atomically; returns false (and leaves no temp file) when the cache dir is not writable. */
export function writeCache(path: string, key: string, value: unknown, cacheDir: string): boolean {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const header = Buffer.from(key, 'utf8');
    const prefix = Buffer.alloc(12);
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(header.length, 8);
    writeFileAtomic(path, Buffer.concat([prefix, header, serialize(value)]));
    return true;
  } catch {
    // the cache is an optimisation: an unwritable cache dir means the next run parses again
    return false;
  }
}
