/**
 * Multi-label logistic regression (one-vs-rest, trained jointly) over sparse
 * vectors, by SGD with L2 regularisation. Weights are stored feature-major
 * (`W[f * K + k]`) so one example touches contiguous rows; the L2 shrinkage
 * is a running scale factor (W = scale · V), so a step costs only the
 * example's non-zeros. Deterministic: a seeded shuffle, one thread, fixed
 * arithmetic order.
 */
import type { SparseVector } from './features.js';

export interface TrainingExample {
  x: SparseVector;
  /** Label indexes that are positive. */
  labels: number[];
  /** Loss weight (default 1). */
  weight?: number;
  /**
   * Only the positive labels learn from this example: for single-label
   * sentence sets, where a missing label means "not annotated", not "absent".
   */
  positiveOnly?: boolean;
}

export interface LinearTrainOptions {
  epochs: number;
  /** Initial learning rate. */
  lr: number;
  /** L2 strength per example. */
  l2: number;
  /** Extra loss weight on positive labels (imbalance). */
  positiveWeight: number;
  seed: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export const defaultLinearOptions: LinearTrainOptions = { epochs: 12, lr: 0.5, l2: 2e-6, positiveWeight: 3, seed: 7 };

/** What scoring needs from a trained linear model, dense or pruned. */
export interface LinearScorer {
  readonly nFeatures: number;
  readonly nLabels: number;
  readonly bias: Float32Array;
  logits(x: SparseVector, out: Float64Array): Float64Array;
  probabilities(x: SparseVector, out: Float64Array): Float64Array;
}

export class LinearModel implements LinearScorer {
  constructor(
    readonly nFeatures: number,
    readonly nLabels: number,
    /** Feature-major weights (already scaled). */
    readonly weights: Float32Array,
    readonly bias: Float32Array,
  ) {}

  /** Raw scores (logits) of every label for `x`, into `out`. */
  logits(x: SparseVector, out: Float64Array): Float64Array {
    const K = this.nLabels;
    for (let k = 0; k < K; k++) out[k] = this.bias[k]!;
    const W = this.weights;
    for (let j = 0; j < x.idx.length; j++) {
      const base = x.idx[j]! * K;
      const v = x.val[j]!;
      for (let k = 0; k < K; k++) out[k]! += v * W[base + k]!;
    }
    return out;
  }

  probabilities(x: SparseVector, out: Float64Array): Float64Array {
    this.logits(x, out);
    for (let k = 0; k < this.nLabels; k++) out[k] = sigmoid(out[k]!);
    return out;
  }

  /** Drop weights with |w| < `epsilon` (they move a logit by less than epsilon per unit feature). */
  prune(epsilon: number): SparseLinearModel {
    const K = this.nLabels;
    const offsets = new Uint32Array(this.nFeatures + 1);
    let nnz = 0;
    for (let f = 0; f < this.nFeatures; f++) {
      for (let k = 0; k < K; k++) {
        const w = this.weights[f * K + k]!;
        if (w >= epsilon || w <= -epsilon) nnz++;
      }
      offsets[f + 1] = nnz;
    }
    const labels = new Uint16Array(nnz);
    const values = new Float32Array(nnz);
    let e = 0;
    for (let f = 0; f < this.nFeatures; f++) {
      for (let k = 0; k < K; k++) {
        const w = this.weights[f * K + k]!;
        if (w >= epsilon || w <= -epsilon) {
          labels[e] = k;
          values[e++] = w;
        }
      }
    }
    return new SparseLinearModel(this.nFeatures, K, offsets, labels, values, this.bias);
  }
}

/** A pruned model: per feature, the (label, weight) pairs that matter (CSR). */
export class SparseLinearModel implements LinearScorer {
  constructor(
    readonly nFeatures: number,
    readonly nLabels: number,
    readonly offsets: Uint32Array,
    readonly labels: Uint16Array,
    readonly values: Float32Array,
    readonly bias: Float32Array,
  ) {
    if (nLabels > 0xffff) throw new Error('too many labels for a sparse model');
  }

  logits(x: SparseVector, out: Float64Array): Float64Array {
    for (let k = 0; k < this.nLabels; k++) out[k] = this.bias[k]!;
    for (let j = 0; j < x.idx.length; j++) {
      const f = x.idx[j]!;
      const v = x.val[j]!;
      for (let e = this.offsets[f]!, end = this.offsets[f + 1]!; e < end; e++) out[this.labels[e]!]! += v * this.values[e]!;
    }
    return out;
  }

  probabilities(x: SparseVector, out: Float64Array): Float64Array {
    this.logits(x, out);
    for (let k = 0; k < this.nLabels; k++) out[k] = sigmoid(out[k]!);
    return out;
  }
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** xorshift32: a small deterministic generator for shuffling. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

export function shuffled(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export function trainLinear(examples: TrainingExample[], nFeatures: number, nLabels: number, opts: LinearTrainOptions): LinearModel {
  const K = nLabels;
  const V = new Float32Array(nFeatures * K);
  const bias = new Float64Array(K);
  const z = new Float64Array(K);
  const g = new Float64Array(K);
  const active = new Int32Array(K);
  const isPos = new Uint8Array(K);
  const random = rng(opts.seed);
  let scale = 1;
  let t = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const order = shuffled(examples.length, random);
    let loss = 0;
    for (let oi = 0; oi < order.length; oi++) {
      const ex = examples[order[oi]!]!;
      const w = ex.weight ?? 1;
      const lr = opts.lr / (1 + opts.lr * opts.l2 * t);
      t++;
      // forward
      for (let k = 0; k < K; k++) z[k] = 0;
      const { idx, val } = ex.x;
      for (let j = 0; j < idx.length; j++) {
        const base = idx[j]! * K;
        const v = val[j]! * scale;
        for (let k = 0; k < K; k++) z[k]! += v * V[base + k]!;
      }
      for (const l of ex.labels) isPos[l] = 1;
      let nActive = 0;
      const positiveOnly = ex.positiveOnly === true;
      for (let k = 0; k < K; k++) {
        if (positiveOnly && !isPos[k]) continue;
        const p = sigmoid(z[k]! + bias[k]!);
        let gk: number;
        if (isPos[k]) {
          gk = w * opts.positiveWeight * (p - 1);
          loss -= w * opts.positiveWeight * Math.log(Math.max(p, 1e-12));
        } else {
          gk = w * p;
          loss -= w * Math.log(Math.max(1 - p, 1e-12));
        }
        if (gk > 1e-4 || gk < -1e-4) {
          g[nActive] = gk;
          active[nActive++] = k;
        }
      }
      for (const l of ex.labels) isPos[l] = 0;
      // L2 shrink, then the gradient step on the unscaled weights.
      scale *= 1 - lr * opts.l2;
      const step = lr / scale;
      for (let j = 0; j < idx.length; j++) {
        const base = idx[j]! * K;
        const v = val[j]! * step;
        for (let a = 0; a < nActive; a++) V[base + active[a]!]! -= v * g[a]!;
      }
      for (let a = 0; a < nActive; a++) bias[active[a]!]! -= lr * 0.1 * g[a]!;
      if (scale < 1e-6) {
        for (let i = 0; i < V.length; i++) V[i]! *= scale;
        scale = 1;
      }
    }
    opts.onEpoch?.(epoch, loss / examples.length);
  }
  for (let i = 0; i < V.length; i++) V[i]! *= scale;
  return new LinearModel(nFeatures, K, V, Float32Array.from(bias));
}
