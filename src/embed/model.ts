/**
 * The dual encoder: one hashed-feature embedding table shared by both towers,
 * a d×d projection per tower (text tower 0, log tower 1), L2 normalisation.
 * Parameters live in one Float32Array (so workers can share it as a
 * SharedArrayBuffer and the model file is that array, verbatim).
 */
import { defaultFeatureConfig, type FeatureConfig } from './features.js';
import { TowerEncoder } from './inference.js';
import { Rng } from './rng.js';

export const TEXT_TOWER = 0;
export const LOG_TOWER = 1;
export type Tower = typeof TEXT_TOWER | typeof LOG_TOWER;

export interface ModelConfig {
  features: FeatureConfig;
  /** Embedding width (= output width). */
  dim: number;
  /** Bag pooling: sum/√n keeps short and long texts on one scale; mean divides by n. */
  pooling: 'sqrtn' | 'mean';
}

export const defaultModelConfig: ModelConfig = { features: defaultFeatureConfig, dim: 128, pooling: 'sqrtn' };

/** Where each parameter block starts inside the flat array. */
export interface ParamLayout {
  embedding: number;
  projection: [number, number];
  /** log of the logit scale (1/temperature). */
  logScale: number;
  total: number;
}

export function paramLayout(cfg: ModelConfig): ParamLayout {
  const e = cfg.features.buckets * cfg.dim;
  const w = cfg.dim * cfg.dim;
  return { embedding: 0, projection: [e, e + w], logScale: e + 2 * w, total: e + 2 * w + 1 };
}

export function validateConfig(cfg: ModelConfig): void {
  const b = cfg.features.buckets;
  if (!Number.isInteger(b) || b < 16 || (b & (b - 1)) !== 0) throw new Error(`buckets must be a power of two ≥ 16, got ${b}`);
  if (!Number.isInteger(cfg.dim) || cfg.dim < 2 || cfg.dim > 4096) throw new Error(`dim must be an integer in [2, 4096], got ${cfg.dim}`);
}

export class EmbedModel {
  readonly layout: ParamLayout;
  private readonly x: Float64Array;
  private readonly h: Float64Array;

  constructor(
    readonly config: ModelConfig,
    /** Flat parameters (see `paramLayout`); may be backed by a SharedArrayBuffer. */
    readonly params: Float32Array,
  ) {
    validateConfig(config);
    this.layout = paramLayout(config);
    if (params.length !== this.layout.total) throw new Error(`parameter array has ${params.length} values, the config needs ${this.layout.total}`);
    this.x = new Float64Array(config.dim);
    this.h = new Float64Array(config.dim);
  }

  get dim(): number {
    return this.config.dim;
  }

  get logitScale(): number {
    return Math.exp(this.params[this.layout.logScale]!);
  }

  /** Encode feature ids with one tower into `out` (unit length, or zero when there are no features). */
  encodeIds(ids: Int32Array, tower: Tower, out: Float32Array, outOffset = 0): void {
    const d = this.config.dim;
    const p = this.params;
    const x = this.x;
    const h = this.h;
    x.fill(0);
    const n = ids.length;
    if (n === 0) {
      out.fill(0, outOffset, outOffset + d);
      return;
    }
    for (let k = 0; k < n; k++) {
      const row = ids[k]! * d;
      for (let j = 0; j < d; j++) x[j]! += p[row + j]!;
    }
    const s = poolScale(this.config, n);
    const w = this.layout.projection[tower];
    let norm = 0;
    for (let r = 0; r < d; r++) {
      let acc = 0;
      const base = w + r * d;
      for (let j = 0; j < d; j++) acc += p[base + j]! * x[j]!;
      acc *= s;
      h[r] = acc;
      norm += acc * acc;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let r = 0; r < d; r++) out[outOffset + r] = h[r]! * inv;
  }

  /** Fast per-tower encoders with their caches (see inference.ts); dropped by `clearCache`. */
  private encoders: [TowerEncoder | undefined, TowerEncoder | undefined] = [undefined, undefined];

  /** Forget cached projections (after the parameters changed, e.g. between training epochs). */
  clearCache(): void {
    this.encoders = [undefined, undefined];
  }

  /** Encode a text with one tower into `out` (same result as `encodeIds(featurize(text))`, much faster). */
  encode(text: string, tower: Tower, out: Float32Array, outOffset = 0): void {
    let enc = this.encoders[tower];
    if (!enc) {
      const d = this.config.dim;
      const w = this.layout.projection[tower];
      enc = this.encoders[tower] = new TowerEncoder(this.params, this.config.features, d, Float64Array.from(this.params.subarray(w, w + d * d)));
    }
    enc.encode(text, out, outOffset);
  }

  encodeText(text: string, tower: Tower = TEXT_TOWER): Float32Array {
    const out = new Float32Array(this.config.dim);
    this.encode(text, tower, out);
    return out;
  }

  /** Encode many texts into one row-major matrix (n × dim). */
  encodeMany(texts: readonly string[], tower: Tower): Float32Array {
    const d = this.config.dim;
    const out = new Float32Array(texts.length * d);
    for (let i = 0; i < texts.length; i++) this.encode(texts[i]!, tower, out, i * d);
    return out;
  }
}

export function poolScale(cfg: ModelConfig, n: number): number {
  if (n === 0) return 0;
  return cfg.pooling === 'mean' ? 1 / n : 1 / Math.sqrt(n);
}

/** Fresh parameters: small Gaussian embeddings, near-identity projections, temperature 0.05. */
export function initParams(cfg: ModelConfig, seed: number, target?: Float32Array): Float32Array {
  const layout = paramLayout(cfg);
  const p = target ?? new Float32Array(layout.total);
  const rng = new Rng(seed);
  const d = cfg.dim;
  const sigma = 1 / Math.sqrt(d);
  for (let i = 0; i < layout.projection[0]; i++) p[i] = rng.normal() * sigma;
  for (const w of layout.projection) {
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) p[w + r * d + c] = (r === c ? 1 : 0) + rng.normal() * 0.01;
  }
  p[layout.logScale] = Math.log(20);
  return p;
}
