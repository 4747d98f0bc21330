/**
 * What generation reads from the data directory: the ATT&CK knowledge base
 * (technique names, tactics, software names for the binary catalogue, tag
 * checks), the SigmaHQ rules (the existing rule set to deduplicate against,
 * and image names for the catalogue), and the Atomic Red Team tests. Each is
 * optional: without it the matching feature says so instead of pretending.
 *
 * Rule files load through the data dir's parsed-rule cache
 * (`sigma/rule/cache.ts`), since parsing 3,780 YAML files costs seconds.
 */
import { existsSync } from 'node:fs';
import { dataLayout, existingCacheDir } from '../datadir/paths.js';
import type { KnowledgeBase } from '../kb/index.js';
import { loadRulesSync, type RuleCollection } from '../sigma/index.js';
import { loadPipeline, type Pipeline } from '../sigma/pipeline/index.js';
import { BinaryCatalog } from './knowledge/catalog.js';
import { RuleSetCoverage, sigmaHqPaths } from './sigma/coverage.js';

export interface GenerateEnvironment {
  kb?: KnowledgeBase;
  catalog: BinaryCatalog;
  /** The existing rule set (SigmaHQ), compiled. */
  existing?: RuleSetCoverage;
  pipeline: Pipeline;
  /** `atomics/` folder, when installed. */
  atomicsDir?: string;
  notes: string[];
}

export interface EnvironmentOptions {
  dataDir: string;
  /** Load and compile the existing rules (default true). */
  existingRules?: boolean;
  /** Rule files/folders to use as the existing set instead of SigmaHQ in the data dir. */
  rulePaths?: string[];
  knowledgeBase?: boolean;
  onStage?: (stage: string) => void;
}

/** The SigmaHQ collection of the data dir (unchanged rule files from the parsed-rule cache). */
export function loadSigmaHqCollection(dataDir: string): RuleCollection | undefined {
  const paths = sigmaHqPaths(dataDir);
  if (paths.length === 0) return undefined;
  return loadRulesSync(paths, { cacheDir: existingCacheDir(dataDir) });
}

export async function loadEnvironment(opts: EnvironmentOptions): Promise<GenerateEnvironment> {
  const layout = dataLayout(opts.dataDir);
  const notes: string[] = [];
  const pipeline = loadPipeline(['default']);
  const catalog = new BinaryCatalog();
  let kb: KnowledgeBase | undefined;
  if (opts.knowledgeBase !== false && existsSync(layout.attackBundle)) {
    opts.onStage?.('loading ATT&CK');
    const { loadKnowledgeBase } = await import('../kb/index.js');
    kb = await loadKnowledgeBase({ dataDir: opts.dataDir });
    catalog.addSoftware(kb.software.map((s) => ({ name: s.name, aliases: s.aliases, kind: s.kind, id: s.id })));
  } else notes.push('no ATT&CK bundle in the data dir: technique names and tag checks are missing (run ttpscope setup)');
  let existing: RuleSetCoverage | undefined;
  if (opts.existingRules !== false) {
    opts.onStage?.('loading the existing Sigma rules');
    const collection = opts.rulePaths && opts.rulePaths.length > 0 ? loadRulesSync(opts.rulePaths, { cacheDir: existingCacheDir(opts.dataDir) }) : loadSigmaHqCollection(opts.dataDir);
    if (collection) {
      catalog.addSigmaRules(collection);
      opts.onStage?.('compiling the existing Sigma rules');
      existing = RuleSetCoverage.fromCollection({ ...collection, correlations: [], filters: [] }, pipeline);
    } else notes.push('no SigmaHQ rules in the data dir: no deduplication against existing rules (run ttpscope setup)');
  }
  const env: GenerateEnvironment = { catalog, pipeline, notes };
  if (kb) env.kb = kb;
  if (existing) env.existing = existing;
  if (existsSync(layout.atomicsTestsDir)) env.atomicsDir = layout.atomicsTestsDir;
  else notes.push('no Atomic Red Team tests in the data dir: emulation plans use only the report\'s own commands');
  return env;
}
