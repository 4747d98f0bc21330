/**
 * Decision thresholds on calibrated scores, learned from training pairs
 * (technique, score, correct?): one global threshold that maximises F1, and
 * per technique the threshold that maximises F1 on that technique's own
 * pairs, shrunk toward the global one by how much evidence there is. A
 * technique that only ever fired wrongly in training has its threshold
 * raised above its worst false alarm (again shrunk), so behaviour that
 * resembles it in ordinary activity stays quiet.
 */

export interface ScoredPair {
  technique: string;
  score: number;
  positive: boolean;
  /** The file the pair came from (for the file-level objective). */
  file?: string;
}

/**
 * What a threshold maximises: F-beta of pair precision and either pair
 * recall (`pairs`) or file recall (`files`: the share of files with a right
 * answer that keep at least one right detection), the figure detection is
 * judged by.
 */
export type ThresholdObjective = 'pairs' | 'files';

export interface ThresholdSet {
  global: number;
  techniques: Record<string, number>;
}

export interface ThresholdOptions {
  /** Pseudo-count pulling a technique's threshold toward the global one. Default 10. */
  shrinkage?: number;
  /** Techniques with fewer pairs keep the global threshold. Default 5. */
  minPairs?: number;
  /** The global threshold is never below this. Default 0.05. */
  floor?: number;
  /** F-beta: beta < 1 favours precision. Default 1. */
  beta?: number;
  objective?: ThresholdObjective;
}

/** The threshold maximising F-beta over these pairs, with its value; ties go to the higher threshold. */
export function bestThreshold(pairs: readonly ScoredPair[], beta = 1, objective: ThresholdObjective = 'pairs'): { threshold: number; f: number; precision: number; recall: number } {
  const sorted = [...pairs].sort((a, b) => b.score - a.score);
  const positives = sorted.filter((p) => p.positive).length;
  if (positives === 0) return { threshold: sorted.length ? sorted[0]!.score + 1e-6 : 1, f: 0, precision: 0, recall: 0 };
  const filesWithPositives = new Set(sorted.filter((p) => p.positive).map((p) => p.file ?? ''));
  const recalled = new Set<string>();
  const b2 = beta * beta;
  let tp = 0;
  let fp = 0;
  let best = { threshold: 1, f: -1, precision: 0, recall: 0 };
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (p.positive) {
      tp++;
      recalled.add(p.file ?? '');
    } else fp++;
    // only cut between distinct scores
    if (i + 1 < sorted.length && sorted[i + 1]!.score === p.score) continue;
    const precision = tp / (tp + fp);
    const recall = objective === 'files' ? recalled.size / filesWithPositives.size : tp / positives;
    const f = precision + recall > 0 ? ((1 + b2) * precision * recall) / (b2 * precision + recall) : 0;
    if (f > best.f) best = { threshold: p.score, f, precision, recall };
  }
  return best;
}

export function fitThresholds(pairs: readonly ScoredPair[], opts: ThresholdOptions = {}): ThresholdSet {
  const shrink = opts.shrinkage ?? 10;
  const minPairs = opts.minPairs ?? 5;
  const floor = opts.floor ?? 0.05;
  const beta = opts.beta ?? 1;
  const objective = opts.objective ?? 'pairs';
  const global = Math.min(0.99, Math.max(floor, bestThreshold(pairs, beta, objective).threshold));
  const byTechnique = new Map<string, ScoredPair[]>();
  for (const p of pairs) {
    let list = byTechnique.get(p.technique);
    if (!list) byTechnique.set(p.technique, (list = []));
    list.push(p);
  }
  const techniques: Record<string, number> = {};
  for (const [t, list] of [...byTechnique.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (list.length < minPairs) continue;
    const own = Math.min(1, bestThreshold(list, beta, objective).threshold);
    const n = list.length;
    const shrunk = (n * own + shrink * global) / (n + shrink);
    const value = +Math.max(floor, Math.min(0.995, shrunk)).toFixed(4);
    if (Math.abs(value - global) > 1e-4) techniques[t] = value;
  }
  return { global: +global.toFixed(4), techniques };
}

export function thresholdFor(set: ThresholdSet, technique: string): number {
  return set.techniques[technique] ?? set.global;
}
