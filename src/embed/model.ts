/**
 * The dual encoder: one hashed-feature embedding table shared by both towers,
 * a d×d projection per tower (text tower 0, log tower 1), L2 normalisation.
 * Parameters live in one Float32Array (so workers can share it as a
 * SharedArrayBuffer and the model file is that array, verbatim).
 */
import { bigramBucket, defaultFeatureConfig, featurize, tokenBuckets, tokenHash, type FeatureConfig } from './features.js';
import { securityTokens } from './tokenize.js';
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

/** Token cache bound (entries of dim floats each). */
const MAX_CACHED_TOKENS = 50_000;

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

  /**
   * Per-token partial sums (unigram + character n-gram rows) for fast
   * inference: tokens repeat across texts, so a text costs one vector add per
   * token instead of one per feature. Valid while the parameters do not change
   * (`clearCache` after training steps).
   */
  private readonly tokenCache = new Map<string, { sum: Float32Array; count: number; hash: number }>();

  /** Float64 copies of the projections for inference (refreshed by `clearCache`). */
  private proj: [Float64Array, Float64Array] | undefined;

  /** Copies of bigram rows in use (compact in memory, unlike their places in the table). */
  private readonly rowCache = new Map<number, Float32Array>();

  clearCache(): void {
    this.tokenCache.clear();
    this.rowCache.clear();
    this.proj = undefined;
  }

  private projections(): [Float64Array, Float64Array] {
    if (!this.proj) {
      const d2 = this.config.dim * this.config.dim;
      const [a, b] = this.layout.projection;
      this.proj = [Float64Array.from(this.params.subarray(a, a + d2)), Float64Array.from(this.params.subarray(b, b + d2))];
    }
    return this.proj;
  }

  /** Encode a text with one tower into `out` (same features as `encodeIds(featurize(text))`, faster). */
  encode(text: string, tower: Tower, out: Float32Array, outOffset = 0): void {
    const cfg = this.config;
    const d = cfg.dim;
    const p = this.params;
    const x = this.x;
    x.fill(0);
    let n = 0;
    let prev = -1;
    for (const tok of securityTokens(text, { maxTokens: cfg.features.maxTokens })) {
      let entry = this.tokenCache.get(tok);
      if (!entry) {
        const sum = new Float32Array(d);
        const rows = tokenBuckets(tok, cfg.features);
        for (const r of rows) {
          const base = r * d;
          for (let j = 0; j < d; j++) sum[j]! += p[base + j]!;
        }
        entry = { sum, count: rows.length, hash: tokenHash(tok) };
        if (this.tokenCache.size >= MAX_CACHED_TOKENS) this.tokenCache.clear();
        this.tokenCache.set(tok, entry);
      }
      const sum = entry.sum;
      for (let j = 0; j < d; j++) x[j]! += sum[j]!;
      n += entry.count;
      if (cfg.features.bigrams && prev >= 0) {
        const bucket = bigramBucket(prev, entry.hash, cfg.features);
        let row = this.rowCache.get(bucket);
        if (!row) {
          row = p.slice(bucket * d, bucket * d + d);
          if (this.rowCache.size >= MAX_CACHED_TOKENS) this.rowCache.clear();
          this.rowCache.set(bucket, row);
        }
        for (let j = 0; j < d; j++) x[j]! += row[j]!;
        n++;
      }
      prev = entry.hash;
    }
    this.project(n, tower, out, outOffset);
  }

  private project(n: number, tower: Tower, out: Float32Array, outOffset: number): void {
    const d = this.config.dim;
    const x = this.x;
    const h = this.h;
    if (n === 0) {
      out.fill(0, outOffset, outOffset + d);
      return;
    }
    const s = poolScale(this.config, n);
    const w = this.projections()[tower];
    let norm = 0;
    for (let r = 0; r < d; r++) {
      let a0 = 0;
      let a1 = 0;
      const base = r * d;
      let j = 0;
      for (; j + 2 <= d; j += 2) {
        a0 += w[base + j]! * x[j]!;
        a1 += w[base + j + 1]! * x[j + 1]!;
      }
      for (; j < d; j++) a0 += w[base + j]! * x[j]!;
      const acc = (a0 + a1) * s;
      h[r] = acc;
      norm += acc * acc;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let r = 0; r < d; r++) out[outOffset + r] = h[r]! * inv;
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
