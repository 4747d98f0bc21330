/**
 * Choosing how thresholds are set, by cross-validation INSIDE the training
 * files: the training files are cut into folds (by file), each choice is
 * fitted on all folds but one and judged on the one left out, and the choice
 * with the best held-out F1 of file-level recall and detection precision
 * (the figures detection is evaluated by) is fitted again on all training
 * files. Evaluation files take no part.
 */
import { hashString } from '../../embed/hash.js';
import { fileMetrics, summarize } from '../metrics.js';
import type { RuleInfo } from '../rules.js';
import type { TechniqueInfo } from '../techniques.js';
import { fitCalibration, type FitCalibrationOptions, type LabelledFileUnits } from './fit.js';
import type { Calibration } from './model.js';
import { UnitScorer } from './score.js';
import type { ThresholdObjective } from './thresholds.js';

export interface ThresholdChoice {
  objective: ThresholdObjective;
  beta: number;
}

/** Pair-level or file-level recall, balanced or leaning to recall. */
export const THRESHOLD_CHOICES: readonly ThresholdChoice[] = [
  { objective: 'pairs', beta: 1 },
  { objective: 'pairs', beta: 2 },
  { objective: 'files', beta: 1 },
  { objective: 'files', beta: 2 },
];

export interface SelectionRow extends ThresholdChoice {
  recall: number;
  precision: number;
  f1: number;
}

export function selectCalibration(
  files: readonly LabelledFileUnits[],
  info: TechniqueInfo,
  rules: readonly RuleInfo[],
  opts: FitCalibrationOptions,
  folds = 4,
): { calibration: Calibration; table: SelectionRow[]; chosen: ThresholdChoice } {
  const usable = files.filter((f) => f.labels.length > 0);
  const foldOf = (f: LabelledFileUnits) => hashString(f.file, 0x0cf0_1d5) % folds;
  const table: SelectionRow[] = [];
  for (const choice of THRESHOLD_CHOICES) {
    const metrics = [];
    for (let k = 0; k < folds; k++) {
      const train = usable.filter((f) => foldOf(f) !== k);
      const held = usable.filter((f) => foldOf(f) === k);
      if (held.length === 0 || train.length === 0) continue;
      const cal = fitCalibration(train, info, rules, { ...opts, thresholds: { ...opts.thresholds, ...choice } });
      const scorer = new UnitScorer(cal, info, rules, { mode: 'fused', topK: opts.topK });
      for (const f of held) {
        const detections = f.units.flatMap((u) =>
          scorer
            .score(u, 0)
            .techniques.filter((t) => t.pass)
            .map((t) => ({ unit: u.id, technique: t.id, tactics: t.tactics, score: t.score })),
        );
        metrics.push(fileMetrics({ techniques: f.labels, tactics: [] }, detections));
      }
    }
    const s = summarize(metrics);
    const f1 = s.recall + s.precision > 0 ? (2 * s.recall * s.precision) / (s.recall + s.precision) : 0;
    table.push({ ...choice, recall: +s.recall.toFixed(4), precision: +s.precision.toFixed(4), f1: +f1.toFixed(4) });
  }
  const best = table.reduce((a, b) => (b.f1 > a.f1 ? b : a), table[0]!);
  const chosen: ThresholdChoice = { objective: best.objective, beta: best.beta };
  const calibration = fitCalibration(files, info, rules, { ...opts, thresholds: { ...opts.thresholds, ...chosen } });
  calibration.training = { ...calibration.training, crossValidation: { folds, table, chosen } };
  return { calibration, table, chosen };
}
