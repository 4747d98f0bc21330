/**
 * Keys and file names of the knowledge-base cache (the built model and,
 * separately, its search index; files as in `common/cache-file.ts`): the
 * format version, the source files (path, size, mtime, inode of the bundle
 * and the index) and a fingerprint of this folder's code, which builds both:
 * a changed model builder or search index never serves what the old one
 * built, without anyone remembering to bump the format. The fingerprint is
 * in the file name too, so the `dist/` build and the sources run under tsx
 * (different code) keep a file each instead of rebuilding each other's; at
 * most `MAX_KB_CACHES` per kind are kept, the least recently used go first.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeFingerprint, realPath } from '../common/cache-file.js';

/** Bump when the cache layout changes (changes of the code that builds the model are caught by the fingerprint). */
export const KB_CACHE_FORMAT = 4;
export const MAX_KB_CACHES = 4;

let fingerprintMemo: string | null | undefined;

/** The knowledge-base code (this folder's sources); null when unreadable: then nothing is cached. */
export function kbCodeFingerprint(): string | null {
  if (fingerprintMemo === undefined) fingerprintMemo = codeFingerprint([dirname(fileURLToPath(import.meta.url))]);
  return fingerprintMemo;
}

export interface SourceFile {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
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
  return JSON.stringify({ format: KB_CACHE_FORMAT, kind, code: kbCodeFingerprint(), sources: sources.map((s) => s ?? null), ...extra });
}

/** The name prefix of one kind's cache files (for eviction). */
export function cachePrefix(kind: 'model' | 'search'): string {
  return `kb-${kind}-`;
}

/** One cache file per bundle path, code and kind, so different bundles (and builds) do not evict each other. */
export function cachePath(cacheDir: string, bundlePath: string, kind: 'model' | 'search'): string {
  const h = createHash('sha256').update(realPath(bundlePath)).update('\0').update(kbCodeFingerprint() ?? '').digest('hex').slice(0, 16);
  return join(cacheDir, `${cachePrefix(kind)}${h}.v8`);
}
