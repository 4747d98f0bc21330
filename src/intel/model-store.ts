/**
 * Where the technique model lives and how it gets there: loaded from
 * `<data>/models/ttp-techniques.bin`; when missing (or when asked), built from
 * the TRAM train split and ATT&CK in the data dir's reference mirror
 * (`../shared/data` style: `<mirror>/tram/`) and saved. Building takes
 * minutes and says so; it never downloads anything.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import type { KnowledgeBase } from '../kb/index.js';
import { dataLayout } from '../datadir/paths.js';
import { defaultTechniqueModelPath, loadTechniqueModel, saveTechniqueModel } from './model-file.js';
import { TechniqueClassifier } from './classifier.js';
import { LinearModel } from './linear.js';
import { buildTechniqueModel, defaultTechniqueModelOptions, TechniqueModel, type BuildProgress, type BuildSources } from './technique-model.js';

/** Weights smaller than this are dropped from the saved model (measured: no change in the evaluation figures). */
export const PRUNE_EPSILON = 0.01;

/** Bump when the training recipe changes, so setup rebuilds. */
export const TECHNIQUE_RECIPE = 'shape-lr-stack/3+windows+tram-extra-positive+window-examples';

export function techniqueInputs(attackBundle: string, tramDir: string): string {
  const h = createHash('sha256').update(TECHNIQUE_RECIPE);
  for (const f of [attackBundle, join(tramDir, 'tram2-annotated-reports.jsonl'), join(tramDir, 'sok-doc-split.json')]) h.update(readFileSync(f));
  // Optional inputs: TRAM's sentence sets (their absence is part of the fingerprint too).
  for (const f of [join(tramDir, 'single_label.json'), join(tramDir, 'bootstrap-training-data.json')]) h.update(existsSync(f) ? readFileSync(f) : Buffer.from(`absent:${f.split('/').pop()}`));
  return h.digest('hex');
}

export interface ModelStoreOptions {
  dataDir: string;
  /** TRAM folder (with `tram2-annotated-reports.jsonl` and `sok-doc-split.json`) to build from. */
  tramDir?: string;
  /** Rebuild even if a model file exists. */
  rebuild?: boolean;
  /** Explicit model file (instead of the data dir's). */
  modelPath?: string;
  /** Told before a build starts (it takes minutes). */
  onBuild?: (message: string) => void;
  progress?: BuildProgress;
}

/** The TRAM folder: explicit, `$TTPSCOPE_TRAM`, or `tram/` of the mirror `$TTPSCOPE_MIRROR` / `../shared/data`. */
export function findTramDir(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const candidates = [explicit, env.TTPSCOPE_TRAM, env.TTPSCOPE_MIRROR ? join(env.TTPSCOPE_MIRROR, 'tram') : undefined, join(cwd, '..', 'shared', 'data', 'tram')];
  for (const c of candidates) if (c && existsSync(join(c, 'sok-doc-split.json'))) return c;
  return undefined;
}

export function buildAndSaveTechniqueModel(kb: KnowledgeBase, sources: BuildSources, path: string, progress?: BuildProgress, meta: Record<string, unknown> = {}): { model: TechniqueModel; bytes: number; sha256: string } {
  const built = buildTechniqueModel(kb, sources, defaultTechniqueModelOptions, progress);
  const dense = built.classifier.model;
  if (!(dense instanceof LinearModel)) throw new Error('bug: a freshly trained classifier is dense');
  const clf = new TechniqueClassifier(built.classifier.vocabulary, built.classifier.labels, dense.prune(PRUNE_EPSILON));
  const model = new TechniqueModel(clf, built.aggregator.snapshot, { ...built.meta, ...meta, pruneEpsilon: PRUNE_EPSILON, builtFrom: 'ATT&CK procedure examples + TRAM train split' });
  const saved = saveTechniqueModel(path, model);
  return { model: loadTechniqueModel(path), ...saved };
}

export function obtainTechniqueModel(kb: KnowledgeBase, opts: ModelStoreOptions): TechniqueModel {
  const path = opts.modelPath ?? defaultTechniqueModelPath(opts.dataDir);
  if (!opts.rebuild && existsSync(path)) return loadTechniqueModel(path);
  if (opts.modelPath && !opts.rebuild) throw new UserError('no technique model', { file: path });
  const tramDir = findTramDir(opts.tramDir);
  if (!tramDir) {
    throw new UserError('no technique model, and no TRAM data to build one from', { file: path }, 'point TTPSCOPE_TRAM (or TTPSCOPE_MIRROR) at the reference data, e.g. TTPSCOPE_MIRROR=../shared/data, or run ttpscope setup --from ../shared/data');
  }
  opts.onBuild?.(`building the technique model from ATT&CK and ${tramDir} (train split only); this takes a few minutes and happens once`);
  const atomicsDir = dataLayout(opts.dataDir).atomicsTestsDir;
  return buildAndSaveTechniqueModel(kb, { tramDir, ...(existsSync(atomicsDir) ? { atomicsDir } : {}) }, path, opts.progress, { inputs: techniqueInputs(dataLayout(opts.dataDir).attackBundle, tramDir) }).model;
}
