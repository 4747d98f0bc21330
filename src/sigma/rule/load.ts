/**
 * Load Sigma rule files and directories (recursively) into a RuleCollection.
 * Every file and document either yields a rule or an Issue; nothing is
 * dropped silently and nothing throws.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Issue } from '../../common/errors.js';
import { errorMessage } from '../../common/errors.js';
import { RuleFileCache, type RuleCacheStats } from './cache.js';
import { parseRuleText } from './parse.js';
import type { RuleCollection } from './types.js';

export interface LoadRulesOptions {
  /** Keep parse results in this folder (see `cache.ts`); no caching when absent. */
  cacheDir?: string | undefined;
  /** Called with what the cache did (for `--verbose` output and benchmarks). */
  onCache?: (stats: RuleCacheStats) => void;
}

/** Largest rule file read (bigger files get an issue): rule files are small; a huge one is a mistake or an attack. */
const MAX_RULE_FILE_BYTES = 8 * 1024 * 1024;

function collectFiles(path: string, out: string[], issues: Issue[], top: boolean): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    issues.push({ severity: 'error', code: 'not-found', message: `cannot read rules: ${errorMessage(e)}`, place: { file: path } });
    return;
  }
  if (st.isDirectory()) {
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch (e) {
      issues.push({ severity: 'error', code: 'not-found', message: `cannot list directory: ${errorMessage(e)}`, place: { file: path } });
      return;
    }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      collectFiles(join(path, n), out, issues, false);
    }
  } else if (st.isFile()) {
    if (top || /\.ya?ml$/i.test(path)) out.push(path);
  }
}

/** Parse one YAML text (already read) into a collection. */
export function loadRuleText(text: string, file: string): RuleCollection {
  const res = parseRuleText(text, file);
  const out: RuleCollection = { rules: [], correlations: [], filters: [], issues: res.issues, files: 1 };
  for (const d of res.documents) {
    if (d.kind === 'rule') out.rules.push(d);
    else if (d.kind === 'correlation') out.correlations.push(d);
    else out.filters.push(d);
  }
  return out;
}

/**
 * Load every `.yml`/`.yaml` under the given files and directories. Files named
 * directly are read whatever their extension. (Synchronous reads: thousands of
 * small files load several times faster than with one await per file.)
 */
export function loadRulesSync(paths: readonly string[], opts: LoadRulesOptions = {}): RuleCollection {
  const issues: Issue[] = [];
  const files: string[] = [];
  for (const p of paths) collectFiles(p, files, issues, true);
  const cache = opts.cacheDir !== undefined ? RuleFileCache.open(opts.cacheDir, paths) : undefined;
  const all: RuleCollection = { rules: [], correlations: [], filters: [], issues, files: 0 };
  for (const f of files) {
    let buf: Buffer;
    try {
      const st = statSync(f);
      if (st.size > MAX_RULE_FILE_BYTES) {
        issues.push({ severity: 'error', code: 'too-large', message: `rule file is ${st.size} bytes (limit ${MAX_RULE_FILE_BYTES})`, place: { file: f } });
        continue;
      }
      buf = readFileSync(f);
    } catch (e) {
      issues.push({ severity: 'error', code: 'not-found', message: `cannot read rule file: ${errorMessage(e)}`, place: { file: f } });
      continue;
    }
    all.files++;
    if (buf.includes(0)) {
      issues.push({ severity: 'error', code: 'binary', message: 'not a text file (contains NUL bytes)', place: { file: f } });
      continue;
    }
    const parseFile = (): RuleCollection => loadRuleText(buf.toString('utf8'), f);
    const one = cache ? cache.parse(f, buf, parseFile) : parseFile();
    all.rules.push(...one.rules);
    all.correlations.push(...one.correlations);
    all.filters.push(...one.filters);
    issues.push(...one.issues);
  }
  if (cache) {
    const stats = cache.save(); // always saved, whether or not anyone asks for the stats
    opts.onCache?.(stats);
  }
  // Duplicate ids make correlation references and filters ambiguous.
  const seen = new Map<string, string>();
  for (const r of [...all.rules, ...all.correlations, ...all.filters]) {
    if (r.id === undefined) continue;
    const prev = seen.get(r.id);
    if (prev !== undefined) {
      issues.push({ severity: 'warning', code: 'duplicate-id', message: `id ${r.id} is also used in ${prev}`, place: { file: r.source.file, ruleId: r.id, path: 'id' } });
    } else seen.set(r.id, r.source.file);
  }
  return all;
}

/** Async form of `loadRulesSync` (same result). */
export async function loadRules(paths: readonly string[], opts: LoadRulesOptions = {}): Promise<RuleCollection> {
  return loadRulesSync(paths, opts);
}
