/**
 * Everything `extractReport` needs, loaded once for any number of reports:
 * the knowledge base, the technique model (built on first use), technique
 * names, the entity matcher and the Atomic Red Team library.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dataLayout } from '../datadir/paths.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../kb/index.js';
import { EntityMatcher } from '../text/index.js';
import { AtomicLibrary } from './atomics.js';
import type { ExtractContext } from './extract.js';
import type { LlmBackend } from './llm/backend.js';
import { defaultTechniqueModelPath } from './model-file.js';
import { obtainTechniqueModel, type ModelStoreOptions } from './model-store.js';
import { TechniqueNames } from './shape.js';
import type { BuildProgress, TechniqueModel } from './technique-model.js';

export interface ContextOptions {
  dataDir: string;
  version: string;
  kb?: KnowledgeBase;
  model?: TechniqueModel;
  modelPath?: string;
  rebuildModel?: boolean;
  tramDir?: string;
  /** Atomic Red Team `atomics/` (default: the data dir's). */
  atomicsDir?: string;
  llm?: LlmBackend;
  onBuild?: (message: string) => void;
  progress?: BuildProgress;
}

export async function createExtractContext(opts: ContextOptions): Promise<ExtractContext> {
  const kb = opts.kb ?? (await loadKnowledgeBase({ dataDir: opts.dataDir }));
  const storeOpts: ModelStoreOptions = {
    dataDir: opts.dataDir,
    ...(opts.tramDir ? { tramDir: opts.tramDir } : {}),
    ...(opts.rebuildModel ? { rebuild: true } : {}),
    ...(opts.modelPath ? { modelPath: opts.modelPath } : {}),
    ...(opts.onBuild ? { onBuild: opts.onBuild } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
  };
  const model = opts.model ?? obtainTechniqueModel(kb, storeOpts);
  const atomicsDir = opts.atomicsDir ?? dataLayout(opts.dataDir).atomicsTestsDir;
  const sha = typeof model.meta.sha256 === 'string' ? model.meta.sha256 : undefined;
  const path = opts.modelPath ?? defaultTechniqueModelPath(opts.dataDir);
  return {
    kb,
    model,
    names: new TechniqueNames(kb),
    entities: new EntityMatcher(kb),
    atomics: new AtomicLibrary(existsSync(atomicsDir) ? atomicsDir : undefined),
    version: opts.version,
    modelId: `${path.split('/').pop()}@${(sha ?? createHash('sha256').update(String(model.classifier.labels.length)).digest('hex')).slice(0, 12)}`,
    ...(opts.llm ? { llm: opts.llm } : {}),
  };
}
