/**
 * Training arithmetic, written as plain functions over flat arrays so that the
 * same code runs inline (tests, one worker) and in worker threads over
 * SharedArrayBuffers. Determinism: every per-item result depends only on that
 * item; every parameter row is reduced by exactly one owner, summing items in
 * batch order. The bytes produced do not depend on how many workers run.
 */
import { poolScale, type ModelConfig, type ParamLayout } from './model.js';

/** One training batch: `queries` items first, then candidate (technique text) items. */
export interface BatchBuffers {
  /** Items in the batch. */
  count: number;
  queries: number;
  /** Feature ids of all items, concatenated. */
  ids: Int32Array;
  /** How many times each id occurs in its item (bags are deduplicated). */
  weights: Float32Array;
  /** Item i's ids are ids[offsets[i]..offsets[i+1]). */
  offsets: Int32Array;
  /** Item i's feature count with repeats (the pooling size). */
  sizes: Int32Array;
  towers: Uint8Array;
}

/** Per-item activations and gradients (count × dim each, row-major). */
export interface Activations {
  x: Float64Array;
  h: Float64Array;
  hnorm: Float64Array;
  z: Float64Array;
  dz: Float64Array;
  g: Float64Array;
  dh: Float64Array;
}

export function allocActivations(capacity: number, dim: number, shared: boolean): Activations {
  const f64 = (n: number) => (shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n));
  return { x: f64(capacity * dim), h: f64(capacity * dim), hnorm: f64(capacity), z: f64(capacity * dim), dz: f64(capacity * dim), g: f64(capacity * dim), dh: f64(capacity * dim) };
}

/** Forward pass for items i ≡ part (mod parts). */
export function forwardItems(cfg: ModelConfig, layout: ParamLayout, p: Float32Array, b: BatchBuffers, a: Activations, part: number, parts: number): void {
  const d = cfg.dim;
  for (let i = part; i < b.count; i += parts) {
    const from = b.offsets[i]!;
    const to = b.offsets[i + 1]!;
    const s = poolScale(cfg, b.sizes[i]!);
    const xo = i * d;
    for (let j = 0; j < d; j++) a.x[xo + j] = 0;
    for (let k = from; k < to; k++) {
      const row = b.ids[k]! * d;
      const wk = b.weights[k]!;
      if (wk === 1) for (let j = 0; j < d; j++) a.x[xo + j]! += p[row + j]!;
      else for (let j = 0; j < d; j++) a.x[xo + j]! += wk * p[row + j]!;
    }
    for (let j = 0; j < d; j++) a.x[xo + j]! *= s;
    const w = layout.projection[b.towers[i] === 1 ? 1 : 0];
    let norm = 0;
    for (let r = 0; r < d; r++) {
      let acc = 0;
      const base = w + r * d;
      for (let j = 0; j < d; j++) acc += p[base + j]! * a.x[xo + j]!;
      a.h[xo + r] = acc;
      norm += acc * acc;
    }
    norm = Math.sqrt(norm);
    a.hnorm[i] = norm;
    const inv = norm > 1e-12 ? 1 / norm : 0;
    for (let r = 0; r < d; r++) a.z[xo + r] = a.h[xo + r]! * inv;
  }
}

/** From dL/dz to dL/dh and dL/dx (= g) for items i ≡ part (mod parts). */
export function backwardItems(cfg: ModelConfig, layout: ParamLayout, p: Float32Array, b: BatchBuffers, a: Activations, part: number, parts: number): void {
  const d = cfg.dim;
  for (let i = part; i < b.count; i += parts) {
    const o = i * d;
    const norm = a.hnorm[i]!;
    let zdz = 0;
    for (let r = 0; r < d; r++) zdz += a.z[o + r]! * a.dz[o + r]!;
    const inv = norm > 1e-12 ? 1 / norm : 0;
    for (let r = 0; r < d; r++) a.dh[o + r] = (a.dz[o + r]! - a.z[o + r]! * zdz) * inv;
    const w = layout.projection[b.towers[i] === 1 ? 1 : 0];
    for (let j = 0; j < d; j++) a.g[o + j] = 0;
    for (let r = 0; r < d; r++) {
      const dhr = a.dh[o + r]!;
      if (dhr === 0) continue;
      const base = w + r * d;
      for (let j = 0; j < d; j++) a.g[o + j]! += p[base + j]! * dhr;
    }
    const s = poolScale(cfg, b.sizes[i]!);
    for (let j = 0; j < d; j++) a.g[o + j]! *= s;
  }
}

export interface AdamConfig {
  lrEmbedding: number;
  lrProjection: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export const defaultAdam: AdamConfig = { lrEmbedding: 0.01, lrProjection: 0.002, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Optimiser state for the flat parameters (same layout). */
export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  /** Scratch: the gradient rows being reduced (zeroed again after use). */
  grad: Float32Array;
  /** Per embedding row, the last step that touched it (for the sparse update). */
  mark: Int32Array;
}

export function allocAdam(cfg: ModelConfig, layout: ParamLayout, shared: boolean): AdamState {
  const f32 = (n: number) => (shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
  const i32 = (n: number) => (shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n));
  return { m: f32(layout.total), v: f32(layout.total), grad: f32(layout.total), mark: i32(cfg.features.buckets) };
}

function adamRow(p: Float32Array, st: AdamState, base: number, len: number, lr: number, ac: AdamConfig, step: number): void {
  const bc1 = 1 - Math.pow(ac.beta1, step);
  const bc2 = 1 - Math.pow(ac.beta2, step);
  const { m, v, grad } = st;
  for (let k = base; k < base + len; k++) {
    const g = grad[k]!;
    const mk = ac.beta1 * m[k]! + (1 - ac.beta1) * g;
    const vk = ac.beta2 * v[k]! + (1 - ac.beta2) * g * g;
    m[k] = mk;
    v[k] = vk;
    p[k] = p[k]! - (lr * (mk / bc1)) / (Math.sqrt(vk / bc2) + ac.eps);
    grad[k] = 0;
  }
}

/**
 * Reduce the gradients of the parameter rows this part owns (embedding rows
 * r ≡ part, projection rows r ≡ part, mod parts) over the batch in item order,
 * then apply Adam to them: lazily for embedding rows (only rows touched in this
 * batch move, as in sparse/lazy Adam), densely for the projections.
 */
export function reduceAndUpdate(
  cfg: ModelConfig,
  layout: ParamLayout,
  p: Float32Array,
  b: BatchBuffers,
  a: Activations,
  st: AdamState,
  ac: AdamConfig,
  step: number,
  part: number,
  parts: number,
  /** false: leave the reduced gradients in `st.grad` (gradient checks). */
  apply = true,
): void {
  const d = cfg.dim;
  const touched: number[] = [];
  for (let i = 0; i < b.count; i++) {
    const o = i * d;
    for (let k = b.offsets[i]!; k < b.offsets[i + 1]!; k++) {
      const row = b.ids[k]!;
      if (row % parts !== part) continue;
      if (st.mark[row] !== step) {
        st.mark[row] = step;
        touched.push(row);
      }
      const base = row * d;
      const wk = b.weights[k]!;
      for (let j = 0; j < d; j++) st.grad[base + j]! += wk * a.g[o + j]!;
    }
  }
  touched.sort((x, y) => x - y);
  if (apply) for (const row of touched) adamRow(p, st, row * d, d, ac.lrEmbedding, ac, step);

  for (let t = 0; t < 2; t++) {
    const w = layout.projection[t]!;
    for (let r = part; r < d; r += parts) {
      const base = w + r * d;
      for (let i = 0; i < b.count; i++) {
        if ((b.towers[i] === 1 ? 1 : 0) !== t) continue;
        const o = i * d;
        const dhr = a.dh[o + r]!;
        if (dhr === 0) continue;
        for (let j = 0; j < d; j++) st.grad[base + j]! += dhr * a.x[o + j]!;
      }
      if (apply) adamRow(p, st, base, d, ac.lrProjection, ac, step);
    }
  }
}

/**
 * Symmetric InfoNCE over query × candidate similarities with several positives
 * allowed per row and column (`positive[i*nc + j]`). Writes dL/dz for every
 * item into `a.dz` and returns the loss and dL/d(log scale).
 */
export function contrastiveLoss(
  d: number,
  a: Activations,
  nq: number,
  nc: number,
  positive: Uint8Array,
  logScale: number,
): { loss: number; dLogScale: number; correct: number } {
  const scale = Math.exp(logScale);
  const S = new Float64Array(nq * nc);
  const z = a.z;
  for (let i = 0; i < nq; i++) {
    const qo = i * d;
    for (let j = 0; j < nc; j++) {
      const co = (nq + j) * d;
      let acc = 0;
      for (let k = 0; k < d; k++) acc += z[qo + k]! * z[co + k]!;
      S[i * nc + j] = scale * acc;
    }
  }
  const dS = new Float64Array(nq * nc);
  let rowsUsed = 0;
  let colsUsed = 0;
  for (let i = 0; i < nq; i++) if (hasPositive(positive, i * nc, 1, nc)) rowsUsed++;
  for (let j = 0; j < nc; j++) if (hasPositive(positive, j, nc, nq)) colsUsed++;
  let lossRows = 0;
  let lossCols = 0;
  let correct = 0;
  // query → candidates
  for (let i = 0; i < nq; i++) {
    const o = i * nc;
    let npos = 0;
    let max = -Infinity;
    let best = -1;
    for (let j = 0; j < nc; j++) {
      npos += positive[o + j]!;
      if (S[o + j]! > max) {
        max = S[o + j]!;
        best = j;
      }
    }
    if (npos === 0) continue;
    if (best >= 0 && positive[o + best]) correct++;
    let sum = 0;
    for (let j = 0; j < nc; j++) sum += Math.exp(S[o + j]! - max);
    const lse = max + Math.log(sum);
    const wgt = 0.5 / rowsUsed;
    for (let j = 0; j < nc; j++) {
      const pj = Math.exp(S[o + j]! - lse);
      const t = positive[o + j] ? 1 / npos : 0;
      if (t) lossRows -= t * (S[o + j]! - lse);
      dS[o + j]! += wgt * (pj - t);
    }
  }
  // candidate → queries
  for (let j = 0; j < nc; j++) {
    let npos = 0;
    let max = -Infinity;
    for (let i = 0; i < nq; i++) {
      npos += positive[i * nc + j]!;
      if (S[i * nc + j]! > max) max = S[i * nc + j]!;
    }
    if (npos === 0) continue;
    let sum = 0;
    for (let i = 0; i < nq; i++) sum += Math.exp(S[i * nc + j]! - max);
    const lse = max + Math.log(sum);
    const wgt = 0.5 / colsUsed;
    for (let i = 0; i < nq; i++) {
      const k = i * nc + j;
      const pi = Math.exp(S[k]! - lse);
      const t = positive[k] ? 1 / npos : 0;
      if (t) lossCols -= t * (S[k]! - lse);
      dS[k]! += wgt * (pi - t);
    }
  }
  let dLogScale = 0;
  for (let k = 0; k < nq * nc; k++) dLogScale += dS[k]! * S[k]!;
  const dz = a.dz;
  dz.fill(0, 0, (nq + nc) * d);
  for (let i = 0; i < nq; i++) {
    const qo = i * d;
    for (let j = 0; j < nc; j++) {
      const g = dS[i * nc + j]! * scale;
      if (g === 0) continue;
      const co = (nq + j) * d;
      for (let k = 0; k < d; k++) {
        dz[qo + k]! += g * z[co + k]!;
        dz[co + k]! += g * z[qo + k]!;
      }
    }
  }
  const loss = 0.5 * (rowsUsed ? lossRows / rowsUsed : 0) + 0.5 * (colsUsed ? lossCols / colsUsed : 0);
  return { loss, dLogScale, correct };
}

function hasPositive(positive: Uint8Array, start: number, stride: number, n: number): boolean {
  for (let k = 0, o = start; k < n; k++, o += stride) if (positive[o]) return true;
  return false;
}
