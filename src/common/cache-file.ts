/**
 * Cache files in the data dir's cache folder: V8 serialisation of a value
 * behind a small header (magic, key length, key). A key mismatch, a short or
 * corrupt file, or any read error means "no cache": the caller rebuilds and
 * rewrites. Writes are atomic (temp file + rename), so a crash never leaves a
 * half-written file that a later load would trust.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * A SHA-256 of the code that computes a cached value: every source file (`.ts`, `.js`, `.mjs`; not `.d.ts`)
 * of the given folders, recursively with `deep`, and of the given files, by name and bytes. A cache key holding
 * it never serves what an older version of that code computed. Null when a source cannot be read (then do not
 * cache).
 */
export function codeFingerprint(dirs: readonly string[], opts: { deep?: boolean; files?: readonly string[] } = {}): string | null {
  const h = createHash('sha256');
  const addFile = (path: string, name: string) => h.update(name).update('\0').update(readFileSync(path)).update('\0');
  const addDir = (dir: string, prefix: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory()) {
        if (opts.deep) addDir(join(dir, e.name), `${prefix}${e.name}/`);
      } else if (/\.(?:ts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) addFile(join(dir, e.name), prefix + e.name);
    }
  };
  try {
    dirs.forEach((dir, i) => addDir(dir, `${i}:`));
    (opts.files ?? []).forEach((f, i) => addFile(f, `file ${i}`));
    return h.digest('hex');
  } catch {
    return null;
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

/** Mark a cache file as recently used (for `evictCacheFiles`). */
export function touchCacheFile(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // read-only cache dir: the LRU order is only a hint
  }
}

/** Keep at most `max` files `<prefix>*.v8` in the cache dir: the least recently used go first, never `keep`. */
export function evictCacheFiles(cacheDir: string, prefix: string, max: number, keep: string): void {
  let names: string[];
  try {
    names = readdirSync(cacheDir).filter((n) => n.startsWith(prefix) && n.endsWith('.v8'));
  } catch {
    return;
  }
  if (names.length <= max) return;
  const byAge = names
    .map((n) => {
      const path = join(cacheDir, n);
      try {
        return { path, mtime: statSync(path).mtimeMs };
      } catch {
        return { path, mtime: 0 };
      }
    })
    .filter((f) => f.path !== keep)
    .sort((a, b) => a.mtime - b.mtime);
  for (const f of byAge.slice(0, names.length - max)) rmSync(f.path, { force: true });
}
