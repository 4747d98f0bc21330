/**
 * `ttpscope detect calibrate`: learn the calibration on the training split of
 * the labelled logs (the evaluation files are never read), for one encoder
 * model and rule set, and write it next to the model.
 */
import { join } from 'node:path';
import type { Issue } from '../common/errors.js';
import type { KnowledgeBase } from '../kb/index.js';
import type { LoadedModel } from '../embed/model-file.js';
import { collectUnits } from './collect.js';
import { fitCalibration } from './calibration/fit.js';
import { selectCalibration } from './calibration/select.js';
import type { Calibration } from './calibration/model.js';
import { DEV_SHARE, labelledFiles, type LabelledFile } from './labelled.js';
import type { RuleTable } from './rules.js';
import { buildMatcher } from './semantic.js';
import { TechniqueInfo } from './techniques.js';

export interface CalibrateOptions {
  kb: KnowledgeBase;
  model: LoadedModel;
  rules: RuleTable | undefined;
  /** The reference data dir laid out like ../shared/data (its `logs/`). */
  referenceDir: string;
  topK?: number;
  /**
   * How thresholds are set: `pairs` (default) maximises F1 over (unit, technique) pairs; `cv` lets 4-fold
   * cross-validation inside the training files choose between pair- and file-level objectives.
   */
  thresholds?: 'pairs' | 'cv';
  onFile?: (file: LabelledFile, done: number, total: number) => void;
  /** Where the encoded TTP index is kept (`index-cache.ts`). */
  indexCacheDir?: string;
  onIssue?: (i: Issue) => void;
}

export async function calibrate(o: CalibrateOptions): Promise<{ calibration: Calibration; files: number; events: number }> {
  const info = new TechniqueInfo(o.kb);
  const train = labelledFiles(o.kb, join(o.referenceDir, 'logs')).filter((f) => f.split === 'train');
  if (train.length === 0) throw new Error(`no labelled training files under ${join(o.referenceDir, 'logs')}`);
  const matcher = buildMatcher(o.model.model, o.kb, [], o.indexCacheDir ? { cache: { dir: o.indexCacheDir, modelHash: o.model.header.paramSha256 } } : {});
  const collected = await collectUnits(train, {
    info,
    matcher,
    ...(o.rules ? { rules: o.rules } : {}),
    ...(o.onFile ? { onFile: o.onFile } : {}),
    ...(o.onIssue ? { onIssue: o.onIssue } : {}),
  });
  const units = collected.map((c) => ({ file: c.file.file, labels: c.file.techniques, units: c.units }));
  const fitOpts = { topK: o.topK ?? 3, model: { paramSha256: o.model.header.paramSha256, dim: o.model.model.dim }, attackVersion: o.kb.info.attackVersion, devShare: DEV_SHARE };
  const calibration = o.thresholds === 'cv' ? selectCalibration(units, info, o.rules?.rules ?? [], fitOpts).calibration : fitCalibration(units, info, o.rules?.rules ?? [], fitOpts);
  return { calibration, files: collected.length, events: collected.reduce((s, c) => s + c.events, 0) };
}
