/**
 * Cache files in the data dir's cache folder: V8 serialisation of a value
 * behind a small header (magic, key length, key). A key mismatch, a short or
 * corrupt file, or any read error means "no cache": the caller rebuilds and
 * rewrites. Writes are atomic (temp file + rename), so a crash never leaves a
 * half-written file that a later load would trust.
 */
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from './files.js';

const MAGIC = 'TTPSKBC1';

/**
 * Where a file really is: the same file reached through a symlinked folder (a data dir whose `attack/`
 * links to another's) is one cache entry, not a new one per path that never hits again.
 */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Why a read found nothing usable (`absent`: no file; `stale`: other key; `corrupt`: unreadable contents). */
export type CacheMiss = 'absent' | 'stale' | 'corrupt';

export type CacheRead<T> = { value: T } | { miss: CacheMiss };

export function readCacheFile<T>(path: string, key: string): CacheRead<T> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return { miss: 'absent' };
  }
  try {
    if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return { miss: 'corrupt' };
    const headerLength = buf.readUInt32LE(8);
    if (12 + headerLength > buf.length) return { miss: 'corrupt' };
    if (buf.toString('utf8', 12, 12 + headerLength) !== key) return { miss: 'stale' };
    return { value: deserialize(buf.subarray(12 + headerLength)) as T };
  } catch {
    return { miss: 'corrupt' };
  }
}

export function readCache<T>(path: string, key: string): T | undefined {
  const r = readCacheFile<T>(path, key);
  return 'value' in r ? r.value : undefined;
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
