/**
 * The post-setup step that trains the default model once the data is in
 * place (for `ttpscope setup`'s `postSetupSteps`). Training reads ATT&CK from
 * the data dir and the other sources from the reference data: the mirror
 * setup copied from (`--from`), else $TTPSCOPE_SHARED_DATA, else only the
 * Sigma rules and atomics of the data dir (no TRAM: no learned text ranker).
 * It skips when the model file is current — it loads, and its recorded
 * recipe and input fingerprint match — unless setup ran with --force.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import type { PostSetupContext, PostSetupStep } from '../datadir/setup.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../kb/index.js';
import { sourcesFromSharedData, type TrainingSources } from './data/dataset.js';
import { loadModel } from './model-file.js';
import { defaultModelPath, inputsFingerprint, trainAndSave } from './pipeline.js';

/** Where the step takes its training sources from. */
export function setupTrainingSources(ctx: Pick<PostSetupContext, 'layout' | 'mirror'>): { sources: TrainingSources; origin: string } {
  const ref = ctx.mirror ?? process.env.TTPSCOPE_SHARED_DATA;
  const sources: TrainingSources = ref && existsSync(ref) ? sourcesFromSharedData(ref) : {};
  if (!sources.sigmaDirs && existsSync(join(ctx.layout.sigmaDir, 'rules'))) sources.sigmaDirs = [join(ctx.layout.sigmaDir, 'rules')];
  if (!sources.atomicsDir && existsSync(join(ctx.layout.atomicsDir, 'atomics'))) sources.atomicsDir = join(ctx.layout.atomicsDir, 'atomics');
  return { sources, origin: ref && existsSync(ref) ? ref : ctx.layout.root };
}

/** Whether the model file at `path` was trained by this recipe on these inputs. */
export function modelIsCurrent(path: string, kb: KnowledgeBase, sources: TrainingSources): boolean {
  if (!existsSync(path)) return false;
  try {
    const { header } = loadModel(path);
    return header.training.inputs === inputsFingerprint(kb, sources);
  } catch {
    return false; // an unreadable or old-format file is replaced
  }
}

export const trainModelStep: PostSetupStep = {
  name: 'train the default encoder model',
  async run(ctx) {
    const out = defaultModelPath(ctx.layout.modelsDir);
    if (!existsSync(ctx.layout.attackBundle)) {
      ctx.progress('encoder model').done('encoder model: not trained (no ATT&CK in the data directory yet)');
      return;
    }
    let kb: KnowledgeBase;
    try {
      kb = await loadKnowledgeBase({ dataDir: ctx.dataDir });
    } catch (e) {
      // The sources are installed and committed; a knowledge base that does not
      // load is reported (every command that needs it will say so too), not undone.
      if (!(e instanceof UserError)) throw e;
      process.stderr.write(`ttpscope: encoder model not trained: ${e.describe()}\nhint: fix the ATT&CK data, then run \`ttpscope model train\`\n`);
      return;
    }
    const { sources } = setupTrainingSources(ctx);
    if (!ctx.force && modelIsCurrent(out, kb, sources)) return;
    const stage = ctx.progress('encoder model');
    let bar: ReturnType<typeof ctx.progress> | undefined;
    const result = await trainAndSave(kb, {
      sources,
      out,
      onStage: (s) => stage.update(0, undefined, s),
      onStep: (epoch, step, steps, loss) => {
        bar ??= ctx.progress('training the encoder');
        bar.update(step, steps, `epoch ${epoch} loss ${loss.toFixed(3)}`);
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    bar?.done();
    stage.done(`encoder model: ${result.path} (${(result.bytes / 1048576).toFixed(1)} MiB)`);
  },
};
