/**
 * Parsed rule files kept in the data dir's cache folder, so a hunt does not
 * spend seconds re-parsing thousands of YAML files that have not changed.
 *
 * One cache file per set of rule paths and parser (the SigmaHQ folders of a
 * data dir are one set, `--rules mine/` another, and the built and the
 * source-run parser are two parsers, so they do not evict each other); inside,
 * each rule file's parse result under its path and the SHA-256 of its bytes.
 * A file is always read and hashed: an edited file is parsed again even when
 * its size and mtime did not change, the others come from the cache. The key
 * of the cache file holds a fingerprint of the parser itself (its source files
 * and the YAML library's version), so a changed parser never serves old
 * results. At most `MAX_RULE_CACHES` files are kept; the least recently used
 * go first.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeFingerprint, evictCacheFiles, readCacheFile, realPath, touchCacheFile, writeCache, type CacheMiss } from '../../common/cache-file.js';
import type { RuleCollection } from './types.js';

/** Bump when the cached layout changes (the parser's own changes are caught by the fingerprint). */
const RULE_CACHE_FORMAT = 1;
export const MAX_RULE_CACHES = 8;
const PREFIX = 'sigma-rules-';

/** One file's parse result (rules, correlations, filters and issues of that file alone). */
export type FileParse = Omit<RuleCollection, 'files'>;

interface Entry {
  sha256: string;
  parsed: FileParse;
}

export interface RuleCacheStats {
  /** The cache file used. */
  file: string;
  /** Why the cache file could not be used (all files were parsed); absent when it was read. */
  miss?: CacheMiss;
  /** Rule files served from the cache / parsed. */
  hits: number;
  parsed: number;
  /** Whether the cache file was rewritten (something was parsed, or files disappeared). */
  written: boolean;
}

let fingerprintMemo: string | null | undefined;

/** The parser's source files (this folder, conditions, modifiers) and the YAML library's version; null when unreadable. */
function parserFingerprint(): string | null {
  if (fingerprintMemo !== undefined) return fingerprintMemo;
  const here = dirname(fileURLToPath(import.meta.url));
  const code = codeFingerprint([here, join(here, '..', 'condition'), join(here, '..', 'modifiers')]);
  let yamlVersion: unknown;
  try {
    yamlVersion = (createRequire(import.meta.url)('yaml/package.json') as { version?: unknown }).version;
  } catch {
    yamlVersion = undefined;
  }
  fingerprintMemo = code === null || yamlVersion === undefined ? null : createHash('sha256').update(code).update(`yaml@${String(yamlVersion)}`).digest('hex');
  return fingerprintMemo;
}

/** The parse results of one set of rule paths: look up by path and bytes, record what was parsed, save. */
export class RuleFileCache {
  private readonly used = new Map<string, Entry>();
  private hits = 0;
  private parsed = 0;

  private constructor(
    private readonly cacheDir: string,
    private readonly file: string,
    private readonly key: string,
    private readonly stored: Map<string, Entry>,
    private readonly miss: CacheMiss | undefined,
  ) {}

  /** The cache for these rule paths, or undefined when the parser's fingerprint cannot be taken. */
  static open(cacheDir: string, paths: readonly string[]): RuleFileCache | undefined {
    const fingerprint = parserFingerprint();
    if (fingerprint === null) return undefined;
    const roots = paths.map((p) => realPath(resolve(p)));
    // the parser's fingerprint is in the name, not only in the key: the `dist` build and the sources run under tsx
    // are different code (so different fingerprints), and with one file per path set each run of the other would
    // find the file stale and rewrite it (~2 s of YAML parsing every time a developer alternates them)
    const name = createHash('sha256').update(roots.join('\0')).update('\0').update(fingerprint).digest('hex').slice(0, 16);
    const file = join(cacheDir, `${PREFIX}${name}.v8`);
    const key = JSON.stringify({ format: RULE_CACHE_FORMAT, kind: 'sigma-rules', parser: fingerprint, roots });
    const read = readCacheFile<Map<string, Entry>>(file, key);
    const stored = 'value' in read && read.value instanceof Map ? read.value : new Map<string, Entry>();
    const miss = 'value' in read ? (read.value instanceof Map ? undefined : 'corrupt') : read.miss;
    return new RuleFileCache(resolve(cacheDir), file, key, stored, miss);
  }

  /** The parse result of `path` with these bytes: from the cache, or from `parse` (then remembered). */
  parse(path: string, bytes: Buffer, parse: () => FileParse): FileParse {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const hit = this.stored.get(path);
    if (hit && hit.sha256 === sha256) {
      this.hits++;
      this.used.set(path, hit);
      return hit.parsed;
    }
    this.parsed++;
    const parsed = parse();
    this.used.set(path, { sha256, parsed });
    return parsed;
  }

  /**
   * Write the entries of this load when anything changed (only they are kept: files no longer under
   * the paths drop out), mark the file as recently used, and keep at most `MAX_RULE_CACHES` files.
   */
  save(): RuleCacheStats {
    const changed = this.parsed > 0 || this.used.size !== this.stored.size || this.miss !== undefined;
    let written = false;
    if (changed) written = writeCache(this.file, this.key, this.used, this.cacheDir);
    else touchCacheFile(this.file);
    if (written) evictCacheFiles(this.cacheDir, PREFIX, MAX_RULE_CACHES, this.file);
    return { file: this.file, ...(this.miss ? { miss: this.miss } : {}), hits: this.hits, parsed: this.parsed, written };
  }
}
