/**
 * The post-setup step that learns the detection calibration once the encoder
 * model is trained (for `ttpscope setup`'s `postSetupSteps`, after the model
 * step), so `ttpscope detect` works straight after setup. It needs the
 * labelled logs of the reference data (the mirror setup copied from, else
 * $TTPSCOPE_SHARED_DATA); without them it says what to run instead. Only the
 * training split is read (see `calibrate`). It skips when the calibration
 * belongs to the current model and neither ATT&CK nor the Sigma rules
 * changed in this run, unless setup ran with --force.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import type { PostSetupContext, PostSetupStep } from '../datadir/setup.js';
import { loadKnowledgeBase } from '../kb/index.js';
import { loadModel } from '../embed/model-file.js';
import { defaultModelPath } from '../embed/pipeline.js';
import { presentActiveRuleDirs } from '../datadir/paths.js';
import { calibrate } from './calibrate.js';
import { defaultCalibrationPath, readCalibration, writeCalibration } from './calibration/model.js';
import { loadRuleTable } from './rules.js';
import { TechniqueInfo } from './techniques.js';

/** The reference data with labelled logs, if this setup has one. */
function referenceLogsDir(ctx: Pick<PostSetupContext, 'mirror'>): string | undefined {
  for (const dir of [ctx.mirror, process.env.TTPSCOPE_SHARED_DATA]) {
    if (dir && existsSync(join(dir, 'logs'))) return dir;
  }
  return undefined;
}

function calibrationIsCurrent(path: string, paramSha256: string): boolean {
  if (!existsSync(path)) return false;
  try {
    return readCalibration(path).model.paramSha256 === paramSha256;
  } catch {
    return false; // unreadable or of another format: learned again
  }
}

export const calibrationStep: PostSetupStep = {
  name: 'learn the detection calibration',
  async run(ctx) {
    const modelPath = defaultModelPath(ctx.layout.modelsDir);
    const out = defaultCalibrationPath(ctx.layout.modelsDir);
    const stage = ctx.progress('detection calibration');
    if (!existsSync(modelPath)) {
      stage.done('detection calibration: not learned (no encoder model yet)');
      return;
    }
    const reference = referenceLogsDir(ctx);
    if (!reference) {
      stage.done('detection calibration: not learned (no labelled logs: run `ttpscope detect calibrate --from DIR` with reference data)');
      return;
    }
    let model: ReturnType<typeof loadModel>;
    try {
      model = loadModel(modelPath);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      stage.done(`detection calibration: not learned (${e.describe()})`);
      return;
    }
    const sourcesChanged = ctx.changed.some((s) => s === 'attack' || s === 'sigma');
    if (!ctx.force && !sourcesChanged && calibrationIsCurrent(out, model.header.paramSha256)) {
      stage.done(`detection calibration: current (${out})`);
      return;
    }
    const kb = await loadKnowledgeBase({ dataDir: ctx.dataDir });
    const ruleDirs = presentActiveRuleDirs(ctx.layout.sigmaDir);
    const rules = ruleDirs.length > 0 ? await loadRuleTable(ruleDirs, new TechniqueInfo(kb), [], { cacheDir: ctx.layout.cacheDir }) : undefined;
    const result = await calibrate({
      kb,
      model,
      rules,
      referenceDir: reference,
      indexCacheDir: ctx.layout.cacheDir,
      onFile: (f, done, total) => stage.update(done, total, 'training files'),
    });
    writeCalibration(out, result.calibration);
    stage.done(`detection calibration: ${out} (${result.files} training files, ${result.events.toLocaleString('en-US')} events)`);
  },
};
