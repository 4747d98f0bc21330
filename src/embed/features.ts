/**
 * Hashed features: word unigrams, word bigrams and character n-grams of each
 * token (with boundary marks), each hashed into one of `buckets` rows of the
 * embedding table. Collisions are the price of a fixed-size model with no
 * vocabulary file; distinct seeds per feature kind keep kinds apart.
 */
import { hashPair, hashRange, hashString } from './hash.js';
import { securityTokens } from './tokenize.js';

export interface FeatureConfig {
  /** Rows of the embedding table; a power of two. */
  buckets: number;
  /** Character n-gram lengths (inclusive); 0 disables them. */
  charMin: number;
  charMax: number;
  /** Use word bigrams. */
  bigrams: boolean;
  /** Token cap per text. */
  maxTokens: number;
}

export const defaultFeatureConfig: FeatureConfig = { buckets: 1 << 17, charMin: 3, charMax: 5, bigrams: true, maxTokens: 256 };

const SEED_WORD = 0x1b873593;
const SEED_BIGRAM = 0x7feb352d;
const SEED_CHAR = 0x27d4eb2f;
/** Char n-grams are taken from at most this many characters of a token. */
const MAX_CHAR_SPAN = 32;

/** Features of one text: bucket ids (with repeats: a repeated word counts twice). */
export interface Features {
  ids: Int32Array;
}

/** How many features a token list yields at most (to size buffers). */
export function maxFeatureCount(tokens: number, cfg: FeatureConfig): number {
  const perToken = 1 + (cfg.charMax >= cfg.charMin && cfg.charMin > 0 ? (cfg.charMax - cfg.charMin + 1) * (MAX_CHAR_SPAN + 2) : 0);
  return tokens * perToken + (cfg.bigrams ? tokens : 0);
}

/** Bucket ids for a token list. */
export function featuresOfTokens(tokens: readonly string[], cfg: FeatureConfig): Int32Array {
  const mask = cfg.buckets - 1;
  const out: number[] = [];
  let prev = -1;
  for (const tok of tokens) {
    const h = hashString(tok, SEED_WORD);
    out.push(h & mask);
    if (cfg.bigrams && prev >= 0) out.push(hashPair(prev, h, SEED_BIGRAM) & mask);
    prev = h;
    if (cfg.charMin > 0 && tok.length >= 2 && tok.charCodeAt(0) !== 60 /* placeholders stay whole */) {
      const marked = '<' + (tok.length > MAX_CHAR_SPAN ? tok.slice(0, MAX_CHAR_SPAN) : tok) + '>';
      for (let n = cfg.charMin; n <= cfg.charMax; n++) {
        if (n >= marked.length) break;
        for (let s = 0; s + n <= marked.length; s++) out.push(hashRange(marked, s, s + n, SEED_CHAR + n) & mask);
      }
    }
  }
  return Int32Array.from(out);
}

/** The word hash of a token (the input of bigram hashing). */
export function tokenHash(tok: string): number {
  return hashString(tok, SEED_WORD);
}

/** Bucket of the bigram (previous token hash, this token hash). */
export function bigramBucket(prevHash: number, hash: number, cfg: FeatureConfig): number {
  return hashPair(prevHash, hash, SEED_BIGRAM) & (cfg.buckets - 1);
}

/** Buckets a single token contributes by itself (unigram and character n-grams), as in `featuresOfTokens`. */
export function tokenBuckets(tok: string, cfg: FeatureConfig): number[] {
  const mask = cfg.buckets - 1;
  const out = [hashString(tok, SEED_WORD) & mask];
  if (cfg.charMin > 0 && tok.length >= 2 && tok.charCodeAt(0) !== 60) {
    const marked = '<' + (tok.length > MAX_CHAR_SPAN ? tok.slice(0, MAX_CHAR_SPAN) : tok) + '>';
    for (let n = cfg.charMin; n <= cfg.charMax; n++) {
      if (n >= marked.length) break;
      for (let s = 0; s + n <= marked.length; s++) out.push(hashRange(marked, s, s + n, SEED_CHAR + n) & mask);
    }
  }
  return out;
}

export function featurize(text: string, cfg: FeatureConfig): Features {
  return { ids: featuresOfTokens(securityTokens(text, { maxTokens: cfg.maxTokens }), cfg) };
}

/** A deduplicated bag: sorted unique ids and their counts; `size` is the count with repeats. */
export interface FeatureBag {
  ids: Int32Array;
  weights: Float32Array;
  size: number;
}

export function bagOf(ids: Int32Array): FeatureBag {
  const sorted = Int32Array.from(ids).sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) unique++;
  const outIds = new Int32Array(unique);
  const weights = new Float32Array(unique);
  let u = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) outIds[++u] = sorted[i]!;
    weights[u]! += 1;
  }
  return { ids: outIds, weights, size: ids.length };
}
