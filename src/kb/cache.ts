/**
 * Keys and file names of the knowledge-base cache (the built model and,
 * separately, its search index; files as in `common/cache-file.ts`): the
 * format version and the source files (path, size, mtime, inode of the
 * bundle and the index).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { realPath } from '../common/cache-file.js';

/** Bump when the model or the cache layout changes. */
export const KB_CACHE_FORMAT = 3;

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
  return JSON.stringify({ format: KB_CACHE_FORMAT, kind, sources: sources.map((s) => s ?? null), ...extra });
}

/** One cache file per bundle path and kind, so different bundles do not evict each other. */
export function cachePath(cacheDir: string, bundlePath: string, kind: 'model' | 'search'): string {
  const h = createHash('sha256').update(realPath(bundlePath)).digest('hex').slice(0, 16);
  return join(cacheDir, `kb-${kind}-${h}.v8`);
}
