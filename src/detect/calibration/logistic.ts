/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) on a
 * handful of standardised features: exact, deterministic, a few passes over
 * the data. Used to turn a candidate's features into a probability.
 */

export interface LogisticModel {
  /** Per feature: mean and standard deviation used to standardise. */
  mean: number[];
  std: number[];
  /** Weights on standardised features; `bias` separately. */
  weights: number[];
  bias: number;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function predict(m: LogisticModel, x: ArrayLike<number>): number {
  let z = m.bias;
  for (let j = 0; j < m.weights.length; j++) z += m.weights[j]! * ((x[j]! - m.mean[j]!) / m.std[j]!);
  return sigmoid(z);
}

export interface FitOptions {
  /** L2 penalty on the weights (not the bias). Default 1. */
  l2?: number;
  iterations?: number;
}

/**
 * Fit on rows of `d` features (`x` row-major, n × d) and 0/1 labels.
 * Throws when there is nothing to learn from (no rows, or one class only).
 */
export function fitLogistic(x: Float64Array, y: Uint8Array, d: number, opts: FitOptions = {}): LogisticModel {
  const n = y.length;
  if (n === 0 || x.length !== n * d) throw new Error(`logistic fit needs n×d features, got ${x.length} for n=${n}, d=${d}`);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  if (pos === 0 || pos === n) throw new Error(`logistic fit needs both classes (${pos} positive of ${n})`);
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j]! += (x[i * d + j]! - mean[j]!) ** 2;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]! / n) || 1;

  const l2 = opts.l2 ?? 1;
  const iters = opts.iterations ?? 25;
  const k = d + 1; // weights then bias
  const w = new Float64Array(k);
  w[d] = Math.log(pos / (n - pos));
  const z = new Float64Array(k);
  const grad = new Float64Array(k);
  const hess = new Float64Array(k * k);
  for (let it = 0; it < iters; it++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      let s = w[d]!;
      for (let j = 0; j < d; j++) {
        z[j] = (x[i * d + j]! - mean[j]!) / std[j]!;
        s += w[j]! * z[j]!;
      }
      z[d] = 1;
      const p = sigmoid(s);
      const r = p - y[i]!;
      const h = Math.max(p * (1 - p), 1e-9);
      for (let a = 0; a < k; a++) {
        grad[a]! += r * z[a]!;
        const za = h * z[a]!;
        for (let b = a; b < k; b++) hess[a * k + b]! += za * z[b]!;
      }
    }
    for (let a = 0; a < d; a++) {
      grad[a]! += l2 * w[a]!;
      hess[a * k + a]! += l2;
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hess[a * k + b] = hess[b * k + a]!;
    const step = solve(hess, grad, k);
    let change = 0;
    for (let a = 0; a < k; a++) {
      w[a]! -= step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    if (change < 1e-8) break;
  }
  return { mean, std, weights: Array.from(w.subarray(0, d)), bias: w[d]! };
}

/** Solve A x = b for a symmetric positive-definite A (Gaussian elimination with partial pivoting). */
function solve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * k + c]!) > Math.abs(m[piv * k + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < k; j++) [m[c * k + j], m[piv * k + j]] = [m[piv * k + j]!, m[c * k + j]!];
      [x[c], x[piv]] = [x[piv]!, x[c]!];
    }
    const d = m[c * k + c]!;
    if (Math.abs(d) < 1e-12) continue;
    for (let r = c + 1; r < k; r++) {
      const f = m[r * k + c]! / d;
      if (f === 0) continue;
      for (let j = c; j < k; j++) m[r * k + j]! -= f * m[c * k + j]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let c = k - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let j = c + 1; j < k; j++) s -= m[c * k + j]! * x[j]!;
    const d = m[c * k + c]!;
    x[c] = Math.abs(d) < 1e-12 ? 0 : s / d;
  }
  return x;
}
