/**
 * Loading the knowledge base: from the data dir (`loadKnowledgeBase`) or from
 * any STIX 2.0/2.1 bundle (`loadKnowledgeBaseFromFile`), through the cache
 * when a cache dir is given.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../common/errors.js';
import { dataLayout } from '../datadir/paths.js';
import { buildModel } from './build-model.js';
import { evictCacheFiles, readCache, touchCacheFile, writeCache } from '../common/cache-file.js';
import { cacheKey, cachePath, cachePrefix, kbCodeFingerprint, MAX_KB_CACHES, sourceFile } from './cache.js';
import { KnowledgeBase } from './knowledge-base.js';
import type { KbData } from './model.js';
import { readJsonFile, readStixBundle } from './read-bundle.js';
import { TechniqueSearch, SEARCH_FORMAT, SEARCH_PARAMS, type TechniqueSearchSnapshot } from './search.js';
import { attackIndexSchema, type AttackIndex } from './stix-schema.js';

export interface LoadOptions {
  /** attack-stix-data's index.json, used to name the release when the bundle has no collection object. */
  indexPath?: string;
  /** Where to keep the cache; no caching when absent. */
  cacheDir?: string;
}

export interface LoadStats {
  /** `cache` when the model came from the cache, `bundle` when it was parsed and built. */
  from: 'cache' | 'bundle';
  ms: number;
  cacheWritten?: boolean;
}

/** What the last load did (for `--verbose` and benchmarks). */
export const lastLoad: { stats?: LoadStats } = {};

export const SETUP_HINT = 'run: ttpscope setup --from ../shared/data';

export async function loadKnowledgeBase(opts: { dataDir: string; cache?: boolean }): Promise<KnowledgeBase> {
  const layout = dataLayout(opts.dataDir);
  if (!existsSync(layout.attackBundle)) {
    throw new UserError('no ATT&CK bundle in the data directory', { file: layout.attackBundle }, SETUP_HINT);
  }
  return loadKnowledgeBaseFromFile(layout.attackBundle, {
    ...(existsSync(layout.attackIndex) ? { indexPath: layout.attackIndex } : {}),
    ...(opts.cache === false ? {} : { cacheDir: layout.cacheDir }),
  });
}

export async function loadKnowledgeBaseFromFile(bundlePath: string, opts: LoadOptions = {}): Promise<KnowledgeBase> {
  return loadKnowledgeBaseSync(bundlePath, opts);
}

export function loadKnowledgeBaseSync(bundlePath: string, opts: LoadOptions = {}): KnowledgeBase {
  const started = performance.now();
  const path = resolve(bundlePath);
  const bundleFile = sourceFile(path);
  if (!bundleFile) throw new UserError('ATT&CK bundle not found', { file: path }, SETUP_HINT);
  const indexPath = opts.indexPath ? resolve(opts.indexPath) : undefined;
  const indexFile = indexPath ? sourceFile(indexPath) : undefined;
  if (indexPath && !indexFile) throw new UserError('ATT&CK index not found', { file: indexPath });

  const cacheDir = opts.cacheDir && kbCodeFingerprint() !== null ? resolve(opts.cacheDir) : undefined;
  const modelKey = cacheKey('model', [bundleFile, indexFile]);
  const modelFile = cacheDir ? cachePath(cacheDir, path, 'model') : undefined;
  let data: KbData | undefined;
  if (modelFile) data = readCache<KbData>(modelFile, modelKey);
  let stats: LoadStats;
  if (data) {
    touchCacheFile(modelFile!); // recently used: eviction takes the others first
    stats = { from: 'cache', ms: 0 };
  } else {
    const index = indexPath ? readAttackIndex(indexPath) : undefined;
    const bundle = readStixBundle(path);
    data = buildModel(bundle, path, index);
    if (data.techniques.length === 0 && data.tactics.length === 0) {
      throw new UserError('the STIX bundle holds no ATT&CK tactics or techniques', { file: path }, 'pass the ATT&CK Enterprise STIX bundle (enterprise-attack.json)');
    }
    stats = { from: 'bundle', ms: 0 };
    if (cacheDir && modelFile) {
      stats.cacheWritten = writeCache(modelFile, modelKey, data, cacheDir);
      if (stats.cacheWritten) evictCacheFiles(cacheDir, cachePrefix('model'), MAX_KB_CACHES, modelFile);
    }
  }
  const kb = new KnowledgeBase(data);
  kb.searchProvider = (k) => {
    if (!cacheDir) return TechniqueSearch.build(k);
    const file = cachePath(cacheDir, path, 'search');
    const key = cacheKey('search', [bundleFile, indexFile], { search: SEARCH_FORMAT, params: SEARCH_PARAMS });
    const snap = readCache<TechniqueSearchSnapshot>(file, key);
    if (snap) {
      try {
        const search = TechniqueSearch.fromSnapshot(k, snap);
        touchCacheFile(file);
        return search;
      } catch {
        // fall through: rebuild
      }
    }
    const built = TechniqueSearch.build(k);
    if (writeCache(file, key, built.toSnapshot(), cacheDir)) evictCacheFiles(cacheDir, cachePrefix('search'), MAX_KB_CACHES, file);
    return built;
  };
  stats.ms = performance.now() - started;
  lastLoad.stats = stats;
  return kb;
}

export function readAttackIndex(path: string): AttackIndex {
  const { value } = readJsonFile(path, 'ATT&CK index', 64 * 1024 * 1024);
  const parsed = attackIndexSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UserError('not an ATT&CK index.json (expected a "collections" list with versions)', {
      file: path,
      ...(first?.path.length ? { path: first.path.join('.') } : {}),
    });
  }
  return parsed.data;
}
