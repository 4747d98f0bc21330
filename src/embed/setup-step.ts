/**
 * The post-setup step that trains the default model once the data is in
 * place (for `ttpscope setup`'s `postSetupSteps`). It trains when the model
 * file is missing, when ATT&CK, Sigma or Atomic Red Team changed, or with
 * --force. TRAM and the labelled logs are not part of the data dir: they are
 * used when $TTPSCOPE_SHARED_DATA points at the reference data.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PostSetupStep } from '../datadir/setup.js';
import { loadKnowledgeBase } from '../kb/index.js';
import { sourcesFromSharedData, type TrainingSources } from './data/dataset.js';
import { defaultModelPath, trainAndSave } from './pipeline.js';

export const trainModelStep: PostSetupStep = {
  name: 'train the default encoder model',
  async run(ctx) {
    const out = defaultModelPath(ctx.layout.modelsDir);
    if (existsSync(out) && !ctx.force && ctx.changed.length === 0) return;
    const kb = await loadKnowledgeBase({ dataDir: ctx.dataDir });
    const shared = process.env.TTPSCOPE_SHARED_DATA;
    const sources: TrainingSources = shared && existsSync(shared) ? sourcesFromSharedData(shared) : {};
    if (!sources.sigmaDirs && existsSync(join(ctx.layout.sigmaDir, 'rules'))) sources.sigmaDirs = [join(ctx.layout.sigmaDir, 'rules')];
    if (!sources.atomicsDir && existsSync(join(ctx.layout.atomicsDir, 'atomics'))) sources.atomicsDir = join(ctx.layout.atomicsDir, 'atomics');
    const progress = ctx.progress('training the encoder');
    await trainAndSave(kb, { sources, out, onStep: (epoch, step, steps) => progress.update(step, steps, `epoch ${epoch}`) });
    progress.done();
  },
};
