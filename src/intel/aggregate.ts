/**
 * Report-level aggregation: from per-sentence probabilities to "the report
 * describes technique T". For each label a handful of statistics of its
 * sentence scores (best, second best, top-3 mean, counts over 0.5 and 0.2,
 * best among real prose sentences, the related parent/child's best) plus
 * report-level ones (length, how many labels fire at all) feed a small
 * logistic model with a per-technique bias. It is trained on out-of-fold
 * predictions for the TRAM train reports (cross-validation), so it learns how
 * sentence scores on unseen reports relate to the annotated techniques; the
 * decision threshold is chosen on the same out-of-fold data.
 */
import type { SparseVector } from './features.js';
import { sigmoid, trainLinear, type TrainingExample } from './linear.js';
import { parentOf } from './tram.js';

export const AGGREGATE_FEATURES = ['top1', 'top2', 'top3mean', 'count05', 'count02', 'logitTop1', 'proseTop1', 'relatedTop1', 'reportLength', 'reportDensity', 'relevantTop1', 'relevantCount', 'bias'] as const;
const F = AGGREGATE_FEATURES.length;

/** Per-sentence probabilities of one report: `probs[j * labels + k]`. */
export interface SentenceScores {
  labels: readonly string[];
  sentences: number;
  probs: Float32Array;
  /** Per sentence: 1 when it is prose of some length (not a heading, table cell or fragment). */
  prose: Uint8Array;
  /** Sentences of the report (rows beyond them are inline-command units); default `sentences`. */
  reportSentences?: number;
}

export interface LabelStats {
  top: [number, number, number];
  best: number;
  count05: number;
  count02: number;
  proseTop1: number;
  /** Best score × the sentence's relevance (the `@any` label), and how many sentences exceed 0.25 that way. */
  relevantTop1: number;
  relevantCount: number;
}

/** Labels that are not techniques (the relevance pseudo-label). */
export function isPseudoLabel(l: string): boolean {
  return l.startsWith('@');
}

export function labelStats(s: SentenceScores): LabelStats[] {
  const K = s.labels.length;
  const out: LabelStats[] = Array.from({ length: K }, () => ({ top: [0, 0, 0], best: -1, count05: 0, count02: 0, proseTop1: 0, relevantTop1: 0, relevantCount: 0 }));
  const any = s.labels.indexOf('@any');
  for (let j = 0; j < s.sentences; j++) {
    const base = j * K;
    const prose = s.prose[j] === 1;
    const relevance = any >= 0 ? s.probs[base + any]! : 1;
    for (let k = 0; k < K; k++) {
      const p = s.probs[base + k]!;
      if (p < 0.02) continue;
      const st = out[k]!;
      const r = p * relevance;
      if (r > st.relevantTop1) st.relevantTop1 = r;
      if (r > 0.25) st.relevantCount++;
      if (p > 0.5) st.count05++;
      if (p > 0.2) st.count02++;
      if (prose && p > st.proseTop1) st.proseTop1 = p;
      const t = st.top;
      if (p > t[0]) {
        t[2] = t[1];
        t[1] = t[0];
        t[0] = p;
        st.best = j;
      } else if (p > t[1]) {
        t[2] = t[1];
        t[1] = p;
      } else if (p > t[2]) t[2] = p;
    }
  }
  return out;
}

/**
 * Label index → indexes of its parent (for a sub-technique) or its children
 * (for a parent). With `calibrated`, a calibrated label is related only to
 * calibrated labels, so its features mean what they meant when the
 * aggregator was fitted (the cross-validation classifiers learn only those).
 */
export function relatedLabels(labels: readonly string[], calibrated?: ReadonlySet<string>): number[][] {
  const index = new Map(labels.map((l, i) => [l, i]));
  return labels.map((l) => {
    const keep = (other: string) => !calibrated || !calibrated.has(l) || calibrated.has(other);
    if (l.includes('.')) {
      const p = index.get(parentOf(l));
      return p === undefined || !keep(parentOf(l)) ? [] : [p];
    }
    const out: number[] = [];
    labels.forEach((c, i) => {
      if (c.startsWith(l + '.') && keep(c)) out.push(i);
    });
    return out;
  });
}

function logit(p: number): number {
  const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
  return Math.log(q / (1 - q));
}

/**
 * The aggregate feature vector of every label of one report (dense, `F` per
 * label). `densityLabels` are the labels counted for the report-density
 * feature (the calibrated set, so the feature means the same whatever the
 * classifier's label set).
 */
export function aggregateFeatures(s: SentenceScores, related: number[][], densityLabels: ReadonlySet<string>): Float32Array {
  const K = s.labels.length;
  const stats = labelStats(s);
  let density = 0;
  stats.forEach((st, k) => {
    if (st.top[0] > 0.5 && densityLabels.has(s.labels[k]!)) density++;
  });
  const out = new Float32Array(K * F);
  for (let k = 0; k < K; k++) {
    const st = stats[k]!;
    let rel = 0;
    for (const r of related[k]!) rel = Math.max(rel, stats[r]!.top[0]);
    const f = out.subarray(k * F, (k + 1) * F);
    f[0] = st.top[0];
    f[1] = st.top[1];
    f[2] = (st.top[0] + st.top[1] + st.top[2]) / 3;
    f[3] = Math.log1p(st.count05);
    f[4] = Math.log1p(st.count02);
    f[5] = logit(st.top[0]) / 10;
    f[6] = st.proseTop1;
    f[7] = rel;
    f[8] = Math.log1p(s.reportSentences ?? s.sentences) / 6;
    f[9] = Math.log1p(density) / 4;
    f[10] = st.relevantTop1;
    f[11] = Math.log1p(st.relevantCount);
    f[12] = 1;
  }
  return out;
}

export interface AggregatorSnapshot {
  weights: number[];
  /** Per-technique bias learned from the calibration reports. */
  labelBias: Record<string, number>;
  /** Bias for techniques without calibration data. */
  defaultBias: number;
  threshold: number;
  /** The calibrated labels (also the ones the density feature counts). */
  calibrated: string[];
}

export class ReportAggregator {
  private readonly calibrated: Set<string>;

  constructor(readonly snapshot: AggregatorSnapshot) {
    this.calibrated = new Set(snapshot.calibrated);
  }

  get threshold(): number {
    return this.snapshot.threshold;
  }

  /** Calibrated report-level probability of every label. */
  scores(s: SentenceScores, related: number[][]): Float64Array {
    const feats = aggregateFeatures(s, related, this.calibrated);
    const K = s.labels.length;
    const w = this.snapshot.weights;
    const out = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let z = this.snapshot.labelBias[s.labels[k]!] ?? this.snapshot.defaultBias;
      for (let f = 0; f < F; f++) z += w[f]! * feats[k * F + f]!;
      out[k] = sigmoid(z);
    }
    return out;
  }
}

export interface CalibrationReport {
  scores: SentenceScores;
  /** Gold technique ids of the report (exact ids; parents are implied for roll-up). */
  gold: Set<string>;
}

export interface AggregatorTrainOptions {
  /** Labels that get their own bias (those with calibration data). */
  calibrated: Set<string>;
  l2: number;
  epochs: number;
  /** Objective for the threshold: mean of micro and macro F1 over calibrated labels (parents only). */
  thresholds: number[];
}

export const defaultAggregatorOptions: Omit<AggregatorTrainOptions, 'calibrated'> = {
  l2: 1e-4,
  epochs: 30,
  thresholds: Array.from({ length: 31 }, (_, i) => 0.15 + i * 0.015),
};

/** Is label `l` gold for a report whose exact gold ids are `gold` (a parent is gold when any child is)? */
export function isGold(l: string, gold: Set<string>): boolean {
  if (gold.has(l)) return true;
  if (l.includes('.')) return false;
  for (const g of gold) if (parentOf(g) === l) return true;
  return false;
}

export function trainAggregator(reports: CalibrationReport[], opts: AggregatorTrainOptions): AggregatorSnapshot {
  if (reports.length === 0) throw new Error('no calibration reports');
  const labels = reports[0]!.scores.labels;
  const related = relatedLabels(labels, opts.calibrated);
  const calibrated = labels.map((l, k) => [l, k] as const).filter(([l]) => opts.calibrated.has(l) && !isPseudoLabel(l));
  const biasIndex = new Map(calibrated.map(([l], i) => [l, F + i]));
  const examples: TrainingExample[] = [];
  const feats = reports.map((r) => aggregateFeatures(r.scores, related, opts.calibrated));
  reports.forEach((r, ri) => {
    for (const [l, k] of calibrated) {
      const idx = new Int32Array(F + 1);
      const val = new Float32Array(F + 1);
      for (let f = 0; f < F; f++) {
        idx[f] = f;
        val[f] = feats[ri]![k * F + f]!;
      }
      idx[F] = biasIndex.get(l)!;
      val[F] = 1;
      examples.push({ x: { idx, val } as SparseVector, labels: isGold(l, r.gold) ? [0] : [] });
    }
  });
  const model = trainLinear(examples, F + calibrated.length, 1, { epochs: opts.epochs, lr: 0.1, l2: opts.l2, positiveWeight: 1, seed: 11 });
  const weights = Array.from({ length: F }, (_, f) => model.weights[f]!);
  const labelBias: Record<string, number> = {};
  let sum = 0;
  for (const [l] of calibrated) {
    const b = model.weights[biasIndex.get(l)!]! + model.bias[0]!;
    labelBias[l] = b;
    sum += b;
  }
  const defaultBias = calibrated.length ? sum / calibrated.length : model.bias[0]!;
  const snap: AggregatorSnapshot = { weights, labelBias, defaultBias, threshold: 0.5, calibrated: calibrated.map(([l]) => l) };
  // Threshold: best mean of micro and macro F1 on the calibration reports (parent level).
  const agg = new ReportAggregator(snap);
  const scored = reports.map((r) => agg.scores(r.scores, related));
  const parents = calibrated.filter(([l]) => !l.includes('.'));
  let best = -1;
  for (const th of opts.thresholds) {
    const counts = new Map<string, { tp: number; fp: number; fn: number }>();
    let tp = 0;
    let fp = 0;
    let fn = 0;
    reports.forEach((r, ri) => {
      for (const [l, k] of parents) {
        const pred = scored[ri]![k]! >= th;
        const gold = isGold(l, r.gold);
        const c = counts.get(l) ?? { tp: 0, fp: 0, fn: 0 };
        if (pred && gold) (c.tp++, tp++);
        else if (pred) (c.fp++, fp++);
        else if (gold) (c.fn++, fn++);
        counts.set(l, c);
      }
    });
    const micro = tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
    let macroSum = 0;
    let n = 0;
    for (const c of counts.values()) {
      if (c.tp + c.fp + c.fn === 0) continue;
      macroSum += c.tp ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : 0;
      n++;
    }
    const objective = (micro + (n ? macroSum / n : 0)) / 2;
    if (objective > best) {
      best = objective;
      snap.threshold = th;
    }
  }
  return snap;
}
