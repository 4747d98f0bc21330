/**
 * The features of one semantic candidate (technique t proposed for unit u)
 * that calibration weighs:
 *   cosine            similarity of u to t's best index entry
 *   margin            for the first candidate its lead over the second; for the others their gap to the first (≤ 0)
 *   top               1 for the first candidate
 *   patternBaseline   log(1 + training files whose recordings hold u's exact pattern)
 *   patternCells      log(distinct host × hour cells u's pattern occurs in, in this input)
 *   patternRepeats    log(units with u's pattern in this input): routine repeats itself
 *   lineageBaseline   log(1 + training files holding u's process lineage)
 *   lineageCells      log(host × hour cells of the lineage in this input)
 *   lineageRepeats    log(units with the same lineage in this input)
 *   techniqueNoise    log(1 + wrong candidates of t per 1,000 training units): how often t shows up in ordinary activity
 */
import type { DetectionUnit } from '../unit.js';

export const FEATURE_NAMES = ['cosine', 'margin', 'top', 'patternBaseline', 'patternCells', 'patternRepeats', 'lineageBaseline', 'lineageCells', 'lineageRepeats', 'techniqueNoise'] as const;
export const FEATURE_COUNT = FEATURE_NAMES.length;

export interface Baseline {
  patterns: ReadonlyMap<number, number>;
  lineages: ReadonlyMap<number, number>;
  noise: ReadonlyMap<string, number>;
}

/**
 * Fill `out` (from `offset`) with the features of candidate `i` of `unit`.
 * `own` is 1 when the unit comes from a training file itself, so its own
 * file is left out of the baseline counts (leave-one-file-out).
 */
export function candidateFeatures(unit: DetectionUnit, i: number, baseline: Baseline, own: 0 | 1, out: Float64Array, offset = 0): void {
  const c = unit.candidates;
  const cos = c[i]!.cosine;
  const first = c[0]!.cosine;
  const second = c.length > 1 ? c[1]!.cosine : 0;
  out[offset] = cos;
  out[offset + 1] = i === 0 ? first - second : cos - first;
  out[offset + 2] = i === 0 ? 1 : 0;
  out[offset + 3] = Math.log1p(Math.max(0, (baseline.patterns.get(unit.pattern) ?? 0) - own));
  out[offset + 4] = Math.log(Math.max(1, unit.patternCells));
  out[offset + 5] = Math.log(Math.max(1, unit.patternRepeats));
  out[offset + 6] = Math.log1p(Math.max(0, (baseline.lineages.get(unit.lineageHash) ?? 0) - own));
  out[offset + 7] = Math.log(Math.max(1, unit.lineageCells));
  out[offset + 8] = Math.log(Math.max(1, unit.lineageRepeats));
  out[offset + 9] = Math.log1p(baseline.noise.get(c[i]!.technique) ?? 0);
}

export function baselineOf(b: { patterns: [number, number][]; lineages: [number, number][]; noise: Record<string, number> }): Baseline {
  return { patterns: new Map(b.patterns), lineages: new Map(b.lineages), noise: new Map(Object.entries(b.noise)) };
}
