/**
 * Sentence features for the technique classifier: stemmed words and
 * technical tokens (the knowledge base's tokenizer), adjacent-word bigrams,
 * and character 4-grams of rare or technical words, weighted by sublinear tf
 * × idf and L2-normalised. The vocabulary (with idf) is learned from the
 * training sentences and stored with the model, so features are the same at
 * training and inference time.
 */
import { tokenize } from '../kb/index.js';

export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

export const EMPTY_VECTOR: SparseVector = { idx: new Int32Array(0), val: new Float32Array(0) };

/** Longest text featurised; longer sentences are cut (their tail carries little more). */
const MAX_CHARS = 2000;
const MAX_TERMS = 600;

/** Optional character n-grams of long tokens (`#` + n letters), for spellings the vocabulary has not seen. */
export interface FeatureOptions {
  /** n of the character n-grams (0 = none). */
  charGrams?: number;
}

/** Raw feature strings of a text, with repetitions; `extra` terms (sentence shape) are appended as they are. */
export function featureTerms(text: string, extra: readonly string[] = [], opts: FeatureOptions = {}): string[] {
  const toks = tokenize(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text).map((t) => (/^\d+$/.test(t) ? '<num>' : t));
  const out: string[] = [];
  const n = opts.charGrams ?? 0;
  for (let i = 0; i < toks.length && out.length < MAX_TERMS; i++) {
    const t = toks[i]!;
    out.push(t);
    if (i + 1 < toks.length) out.push(`${t} ${toks[i + 1]!}`);
    if (n > 0 && t.length >= n + 2 && !t.includes(' ')) for (let k = 0; k + n <= t.length && k < 24; k++) out.push(`#${t.slice(k, k + n)}`);
  }
  for (const e of extra) out.push(e);
  return out;
}

export interface VocabularySnapshot {
  terms: string[];
  idf: number[];
  options?: FeatureOptions;
}

export class Vocabulary {
  private readonly ids = new Map<string, number>();
  readonly terms: string[];
  readonly idf: Float32Array;
  readonly options: FeatureOptions;

  constructor(snapshot: VocabularySnapshot) {
    this.options = snapshot.options ?? {};
    this.terms = snapshot.terms;
    this.idf = Float32Array.from(snapshot.idf);
    snapshot.terms.forEach((t, i) => this.ids.set(t, i));
  }

  get size(): number {
    return this.terms.length;
  }

  /** Terms that occur in at least `minDf` documents, sorted, with smoothed idf. */
  static build(docs: Iterable<string[]>, minDf: number, options: FeatureOptions = {}): Vocabulary {
    const df = new Map<string, number>();
    let n = 0;
    for (const terms of docs) {
      n++;
      for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const terms = [...df.entries()].filter(([, c]) => c >= minDf).map(([t]) => t).sort();
    const idf = terms.map((t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
    return new Vocabulary({ terms, idf, options });
  }

  id(term: string): number | undefined {
    return this.ids.get(term);
  }

  /** Sublinear tf-idf vector of the terms, L2-normalised; unknown terms are ignored. */
  vector(terms: string[]): SparseVector {
    const tf = new Map<number, number>();
    for (const t of terms) {
      const id = this.ids.get(t);
      if (id !== undefined) tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    const idx = Int32Array.from([...tf.keys()].sort((a, b) => a - b));
    const val = new Float32Array(idx.length);
    let norm = 0;
    for (let i = 0; i < idx.length; i++) {
      const v = (1 + Math.log(tf.get(idx[i]!)!)) * this.idf[idx[i]!]!;
      val[i] = v;
      norm += v * v;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < val.length; i++) val[i]! *= inv;
    }
    return { idx, val };
  }

  featurize(text: string, extra: readonly string[] = []): SparseVector {
    return this.vector(featureTerms(text, extra, this.options));
  }

  snapshot(): VocabularySnapshot {
    return { terms: this.terms, idf: [...this.idf], options: this.options };
  }
}
