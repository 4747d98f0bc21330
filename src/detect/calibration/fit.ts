/**
 * Learning a calibration from labelled TRAINING files (never evaluation
 * files). Labels are per file and most of a recording is benign background,
 * so a candidate counts as correct when its technique matches one of the
 * file's labels (same technique, parent or sub-technique) and as a false
 * alarm otherwise: the background is the benign behaviour calibration learns
 * to keep quiet. Steps:
 *   1. baseline: per pattern and lineage, how many training files hold it;
 *      per technique, how often it is a wrong candidate (noise);
 *   2. logistic model over the candidate features (leave-one-file-out
 *      baseline counts, so a file's own patterns do not make it look common);
 *   3. semantic thresholds per technique on the calibrated probabilities;
 *   4. rule reliability: per rule, correct / total units it fired on, with a
 *      per-level prior;
 *   5. fused thresholds per technique on the noisy-OR scores.
 */
import type { TechniqueInfo } from '../techniques.js';
import { techniqueMatches } from '../techniques.js';
import type { RuleInfo } from '../rules.js';
import type { DetectionUnit } from '../unit.js';
import { candidateFeatures, FEATURE_COUNT, FEATURE_NAMES, type Baseline } from './features.js';
import { fitLogistic, type LogisticModel } from './logistic.js';
import { CALIBRATION_FORMAT, CALIBRATION_VERSION, type Calibration } from './model.js';
import { UnitScorer } from './score.js';
import { bestThreshold, fitThresholds, type ScoredPair, type ThresholdOptions } from './thresholds.js';

export interface LabelledFileUnits {
  /** Path relative to the logs dir (the split key). */
  file: string;
  /** Technique labels of the file (canonical ids). */
  labels: string[];
  units: DetectionUnit[];
}

export interface FitCalibrationOptions {
  topK: number;
  model: { paramSha256: string; dim: number };
  attackVersion: string;
  devShare: number;
  /** Pseudo-count of the level prior for rule reliability. Default 3. */
  ruleAlpha?: number;
  thresholds?: ThresholdOptions;
  l2?: number;
}

const LEVELS = ['informational', 'low', 'medium', 'high', 'critical', 'unknown'];

function isPositive(technique: string, labels: readonly string[]): boolean {
  return labels.some((l) => techniqueMatches(technique, l));
}

export function fitCalibration(files: readonly LabelledFileUnits[], info: TechniqueInfo, rules: readonly RuleInfo[], opts: FitCalibrationOptions): Calibration {
  const topK = opts.topK;
  const usable = files.filter((f) => f.labels.length > 0);
  if (usable.length === 0) throw new Error('calibration needs labelled training files');

  // 1. baseline
  const patterns = new Map<number, number>();
  const lineages = new Map<number, number>();
  const wrong = new Map<string, number>();
  let unitCount = 0;
  for (const f of usable) {
    const ps = new Set<number>();
    const ls = new Set<number>();
    for (const u of f.units) {
      unitCount++;
      ps.add(u.pattern);
      ls.add(u.lineageHash);
      for (const c of u.candidates.slice(0, topK)) if (!isPositive(c.technique, f.labels)) wrong.set(c.technique, (wrong.get(c.technique) ?? 0) + 1);
    }
    for (const p of ps) patterns.set(p, (patterns.get(p) ?? 0) + 1);
    for (const l of ls) lineages.set(l, (lineages.get(l) ?? 0) + 1);
  }
  const noise = new Map<string, number>();
  for (const [t, n] of wrong) noise.set(t, +((1000 * n) / Math.max(1, unitCount)).toFixed(3));
  const baseline: Baseline = { patterns, lineages, noise };

  // 2. logistic model on the semantic candidates
  let rows = 0;
  for (const f of usable) for (const u of f.units) rows += Math.min(topK, u.candidates.length);
  const x = new Float64Array(rows * FEATURE_COUNT);
  const y = new Uint8Array(rows);
  let r = 0;
  for (const f of usable) {
    for (const u of f.units) {
      const n = Math.min(topK, u.candidates.length);
      for (let i = 0; i < n; i++) {
        candidateFeatures(u, i, baseline, 1, x, r * FEATURE_COUNT);
        y[r] = isPositive(u.candidates[i]!.technique, f.labels) ? 1 : 0;
        r++;
      }
    }
  }
  const semanticModel: LogisticModel = fitLogistic(x, y, FEATURE_COUNT, { l2: opts.l2 ?? 1 });

  // 4. rule reliability (needed before fused thresholds)
  const alpha = opts.ruleAlpha ?? 3;
  const stats: Record<string, [number, number]> = {};
  const perLevel = new Map<string, [number, number]>();
  for (const f of usable) {
    for (const u of f.units) {
      const seen = new Set<number>();
      for (const h of u.hits) {
        if (seen.has(h.rule)) continue;
        seen.add(h.rule);
        const rule = rules[h.rule];
        if (!rule || rule.techniques.length === 0) continue;
        const ok = rule.techniques.some((t) => isPositive(t, f.labels)) ? 1 : 0;
        const s = (stats[rule.id] ??= [0, 0]);
        s[0] += ok;
        s[1] += 1;
        const l = perLevel.get(rule.level) ?? [0, 0];
        l[0] += ok;
        l[1] += 1;
        perLevel.set(rule.level, l);
      }
    }
  }
  const levelPrior: Record<string, number> = {};
  let allOk = 0;
  let all = 0;
  for (const [, [ok, n]] of perLevel) {
    allOk += ok;
    all += n;
  }
  const pooled = all > 0 ? allOk / all : 0.1;
  for (const level of LEVELS) {
    const [ok, n] = perLevel.get(level) ?? [0, 0];
    // a level with few hits leans on the pooled precision
    levelPrior[level] = +((ok + 5 * pooled) / (n + 5)).toFixed(4);
  }

  const partial: Calibration = {
    format: CALIBRATION_FORMAT,
    version: CALIBRATION_VERSION,
    model: opts.model,
    attackVersion: opts.attackVersion,
    topK,
    split: { devShare: opts.devShare, trainFiles: files.map((f) => f.file).sort() },
    features: [...FEATURE_NAMES],
    semanticModel,
    semantic: { global: 0.5, techniques: {} },
    fused: { global: 0.5, techniques: {} },
    rules: { alpha, levelPrior, stats },
    baseline: {
      files: usable.length,
      units: unitCount,
      patterns: [...patterns.entries()].sort((a, b) => a[0] - b[0]),
      lineages: [...lineages.entries()].sort((a, b) => a[0] - b[0]),
      noise: Object.fromEntries([...noise.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    },
    training: {},
  };

  // 3 and 5: thresholds on in-sample scores (leave-one-file-out baseline)
  const semPairs: ScoredPair[] = [];
  const fusedPairs: ScoredPair[] = [];
  const semScorer = new UnitScorer(partial, info, rules, { mode: 'semantic', topK, minScore: 0 });
  const fusedScorer = new UnitScorer(partial, info, rules, { mode: 'fused', topK, minScore: 0 });
  for (const f of usable) {
    for (const u of f.units) {
      for (const t of semScorer.score(u, 1).techniques) semPairs.push({ technique: t.id, score: t.score, positive: isPositive(t.id, f.labels), file: f.file });
      for (const t of fusedScorer.score(u, 1).techniques) fusedPairs.push({ technique: t.id, score: t.score, positive: isPositive(t.id, f.labels), file: f.file });
    }
  }
  partial.semantic = fitThresholds(semPairs, opts.thresholds);
  partial.fused = fitThresholds(fusedPairs, opts.thresholds);
  const semBest = bestThreshold(semPairs, opts.thresholds?.beta ?? 1, opts.thresholds?.objective ?? 'pairs');
  const fusedBest = bestThreshold(fusedPairs, opts.thresholds?.beta ?? 1, opts.thresholds?.objective ?? 'pairs');
  partial.training = {
    files: usable.length,
    units: unitCount,
    candidates: rows,
    positives: y.reduce((a, b) => a + b, 0),
    semanticPairs: semPairs.length,
    fusedPairs: fusedPairs.length,
    thresholds: { objective: opts.thresholds?.objective ?? 'pairs', beta: opts.thresholds?.beta ?? 1 },
    semanticF: +semBest.f.toFixed(4),
    fusedF: +fusedBest.f.toFixed(4),
    rulesSeen: Object.keys(stats).length,
  };
  return partial;
}
