/**
 * Shared fixtures for intel tests: the real ATT&CK knowledge base (from
 * ../shared/data) and a small technique model built by the real pipeline
 * from the mini TRAM set (test/intel/mini-tram.ts), cached in the temp dir
 * under a hash of the code that builds it so test files share one build.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKnowledgeBaseFromFile, type KnowledgeBase } from '../../src/kb/index.js';
import { TechniqueClassifier } from '../../src/intel/classifier.js';
import { LinearModel } from '../../src/intel/linear.js';
import { buildTechniqueModel, defaultTechniqueModelOptions, TechniqueModel, loadTechniqueModel, saveTechniqueModel, createExtractContext, type ExtractContext } from '../../src/intel/index.js';
import { hasSharedData, repoRoot, sharedData } from '../helpers.js';
import { writeMiniTram } from './mini-tram.js';

export const skipNoData = hasSharedData ? false : `no reference data at ${sharedData}`;

let kbPromise: Promise<KnowledgeBase> | undefined;
export function realKb(): Promise<KnowledgeBase> {
  kbPromise ??= loadKnowledgeBaseFromFile(join(sharedData, 'attack', 'enterprise-attack.json'), { indexPath: join(sharedData, 'attack', 'index.json') });
  return kbPromise;
}

function codeHash(): string {
  const h = createHash('sha256');
  for (const dir of [join(repoRoot, 'src', 'intel'), join(repoRoot, 'src', 'text')]) {
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.ts')) h.update(f).update(readFileSync(join(dir, f)));
  }
  h.update(readFileSync(join(repoRoot, 'test', 'intel', 'mini-tram.ts')));
  return h.digest('hex').slice(0, 16);
}

export const atomicsDir = join(sharedData, 'atomic-red-team', 'atomics');

/** A model built from ATT&CK + the mini TRAM train reports (2 folds, few epochs, the mini set's labels only). */
export async function miniModel(): Promise<{ model: TechniqueModel; path: string; tramDir: string }> {
  const key = codeHash();
  const tramDir = writeMiniTram(join(tmpdir(), `ttpscope-mini-tram-${key}`));
  const path = join(tmpdir(), `ttpscope-test-technique-model-${key}.bin`);
  if (existsSync(path)) return { model: loadTechniqueModel(path), path, tramDir };
  const kb = await realKb();
  const labels = new Set(['@any', 'T1566', 'T1566.001', 'T1059', 'T1059.001', 'T1053', 'T1053.005', 'T1033', 'T1003', 'T1003.001', 'T1547', 'T1547.001', 'T1071', 'T1071.001', 'T1027', 'T1218', 'T1218.011', 'T1105', 'T1082', 'T1016']);
  const built = buildTechniqueModel(kb, { tramDir, atomicsDir }, { folds: 2, classifier: { ...defaultTechniqueModelOptions.classifier, onlyLabels: labels, linear: { ...defaultTechniqueModelOptions.classifier.linear, epochs: 4 } } });
  const dense = built.classifier.model as LinearModel;
  const model = new TechniqueModel(new TechniqueClassifier(built.classifier.vocabulary, built.classifier.labels, dense.prune(0.01)), built.aggregator.snapshot, built.meta);
  saveTechniqueModel(path, model);
  return { model: loadTechniqueModel(path), path, tramDir };
}

export async function miniContext(): Promise<ExtractContext> {
  const [kb, { model }] = await Promise.all([realKb(), miniModel()]);
  return createExtractContext({ dataDir: join(tmpdir(), 'ttpscope-no-data'), version: 'test', kb, model, atomicsDir });
}
