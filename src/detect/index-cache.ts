/**
 * The TTP index and its projection kept in the data dir's cache folder.
 * Encoding the ~16,700 technique texts and procedure examples and computing
 * the two-pass search's projection takes about 3 s on this machine, on every
 * `detect`, while the result depends only on the model, the texts and the
 * code that turns one into the other. The cache key holds all three: the
 * model's parameter hash, a hash of every entry (text, id, metadata, in
 * order; report intelligence given with `--intel` included) and a
 * fingerprint of the encoder and projection code (`codeFingerprint`). Only
 * numbers are stored (the unit rows and the projection); the entries come
 * from the knowledge base as always. Any change, or a missing, stale or
 * corrupt file, means the index is built and the file rewritten.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeFingerprint, evictCacheFiles, readCacheFile, touchCacheFile, writeCache, type CacheMiss } from '../common/cache-file.js';
import type { EmbedModel } from '../embed/model.js';
import { encodeTechniqueIndex, type TechniqueIndexItem } from '../embed/semantic-search.js';
import { VectorIndex } from '../embed/vector/vector-index.js';
import { ProjectedSearch, type ProjectedState } from './projected-search.js';

/** Bump when the stored layout changes (code changes are caught by the fingerprint). */
const INDEX_CACHE_FORMAT = 1;
const PREFIX = 'ttp-index-';
/** Index files kept (several models or `--intel` sets in turn); the least recently used go first. */
export const MAX_INDEX_CACHES = 4;

interface Stored {
  rows: Float32Array;
  dims: number;
  basis: Float64Array;
  projected: Float32Array;
}

export interface IndexCacheStats {
  file: string;
  /** Why the cached index could not be used (it was built); absent when it was read. */
  miss?: CacheMiss;
  written: boolean;
}

let fingerprintMemo: string | null | undefined;

/** The encoder (all of `src/embed`, recursively) and the projection (`projected-search`). */
function indexCodeFingerprint(): string | null {
  if (fingerprintMemo === undefined) {
    const here = dirname(fileURLToPath(import.meta.url));
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    fingerprintMemo = codeFingerprint([join(here, '..', 'embed')], { deep: true, files: [join(here, `projected-search${ext}`)] });
  }
  return fingerprintMemo;
}

function itemsHash(items: readonly TechniqueIndexItem[]): string {
  const h = createHash('sha256');
  for (const it of items) h.update(it.text).update('\0').update(JSON.stringify(it.entry)).update('\0');
  return h.digest('hex');
}

function sharedCopy<T extends Float32Array | Float64Array>(a: T, make: (sab: SharedArrayBuffer) => T): T {
  const out = make(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

export interface CachedIndex {
  index: VectorIndex;
  /** The projection for `SemanticMatcherOptions.projected` (shared memory). */
  projected: ProjectedState;
  stats?: IndexCacheStats;
}

/**
 * The index of `items` encoded by `model` (with `modelHash`, the model's parameter SHA-256), with its
 * projection: from `cacheDir` when it holds this very index, else built (and stored there when given).
 */
export function cachedTechniqueIndex(model: EmbedModel, modelHash: string, items: readonly TechniqueIndexItem[], cacheDir?: string): CachedIndex {
  const code = cacheDir ? indexCodeFingerprint() : null;
  const build = (): CachedIndex => {
    const index = encodeTechniqueIndex(model, items);
    return { index, projected: new ProjectedSearch(index).state() };
  };
  if (!cacheDir || code === null) return build();
  const key = JSON.stringify({ format: INDEX_CACHE_FORMAT, kind: 'ttp-index', code, model: modelHash, dim: model.dim, entries: items.length, items: itemsHash(items) });
  const file = join(cacheDir, `${PREFIX}${createHash('sha256').update(key).digest('hex').slice(0, 16)}.v8`);
  const read = readCacheFile<Stored>(file, key);
  if ('value' in read) {
    const v = read.value;
    const fits = v && v.rows instanceof Float32Array && v.rows.length === items.length * model.dim && v.basis instanceof Float64Array && v.projected instanceof Float32Array && v.basis.length === model.dim * v.dims && v.projected.length === items.length * v.dims;
    if (fits) {
      const index = VectorIndex.fromUnitRows(model.dim, v.rows, items.map((i) => i.entry));
      const projected = { dims: v.dims, basis: sharedCopy(v.basis, (b) => new Float64Array(b)), projected: sharedCopy(v.projected, (b) => new Float32Array(b)) };
      touchCacheFile(file);
      return { index, projected, stats: { file, written: false } };
    }
  }
  const built = build();
  // plain copies: the projection lives in shared memory, which V8 serialisation does not take, and the rows are a view of a larger matrix
  const stored: Stored = { rows: built.index.vectors.slice(), dims: built.projected.dims, basis: new Float64Array(built.projected.basis), projected: new Float32Array(built.projected.projected) };
  const written = writeCache(file, key, stored, cacheDir);
  if (written) evictCacheFiles(cacheDir, PREFIX, MAX_INDEX_CACHES, file);
  return { ...built, stats: { file, miss: 'value' in read ? 'corrupt' : read.miss, written } };
}
