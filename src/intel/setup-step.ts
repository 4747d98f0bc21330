/**
 * The post-setup step that builds the technique model (`ttpscope setup`'s
 * `postSetupSteps`). It reads ATT&CK from the data dir and TRAM from the
 * mirror setup copied from (`--from`), else `$TTPSCOPE_TRAM` /
 * `$TTPSCOPE_SHARED_DATA/tram`. It skips when the saved model was built by
 * this recipe from the same inputs, unless setup ran with --force.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import type { PostSetupStep } from '../datadir/setup.js';
import { loadKnowledgeBase } from '../kb/index.js';
import { defaultTechniqueModelPath, loadTechniqueModel } from './model-file.js';
import { buildAndSaveTechniqueModel, techniqueInputs } from './model-store.js';

export const techniqueModelStep: PostSetupStep = {
  name: 'build the technique model',
  async run(ctx) {
    const out = defaultTechniqueModelPath(ctx.dataDir);
    const bar = ctx.progress('technique model');
    if (!existsSync(ctx.layout.attackBundle)) {
      bar.done('technique model: not built (no ATT&CK in the data directory yet)');
      return;
    }
    // Only the mirror setup copied from (or an explicit TRAM folder): never a guess from the working directory.
    const candidates = [ctx.mirror ? join(ctx.mirror, 'tram') : undefined, process.env.TTPSCOPE_TRAM, process.env.TTPSCOPE_SHARED_DATA ? join(process.env.TTPSCOPE_SHARED_DATA, 'tram') : undefined];
    const tramDir = candidates.find((c): c is string => !!c && existsSync(join(c, 'sok-doc-split.json')));
    if (!tramDir) {
      bar.done('technique model: not built (no TRAM data; run setup --from ../shared/data, or ttpscope extract builds it when TTPSCOPE_TRAM is set)');
      return;
    }
    const inputs = techniqueInputs(ctx.layout.attackBundle, tramDir);
    if (!ctx.force && existsSync(out)) {
      try {
        if (loadTechniqueModel(out).meta.inputs === inputs) {
          bar.done();
          return;
        }
      } catch {
        // unreadable or old: rebuild
      }
    }
    let kb;
    try {
      kb = await loadKnowledgeBase({ dataDir: ctx.dataDir });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      process.stderr.write(`ttpscope: technique model not built: ${e.describe()}\n`);
      return;
    }
    const result = buildAndSaveTechniqueModel(kb, { tramDir, ...(existsSync(ctx.layout.atomicsTestsDir) ? { atomicsDir: ctx.layout.atomicsTestsDir } : {}) }, out, (stage, done, total) => bar.update(done, total, stage), { inputs });
    bar.done(`technique model: ${out} (${(result.bytes / 1048576).toFixed(1)} MiB)`);
  },
};
