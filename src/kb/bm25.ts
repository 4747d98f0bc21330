/**
 * A generic BM25F index: documents with several text fields, each with a
 * weight and its own length normalisation (Robertson & Zaragoza's BM25F:
 * field-weighted term frequencies are summed before one saturation).
 * Postings are compressed-row typed arrays, so an index of tens of thousands
 * of documents searches in well under a millisecond per query term and
 * serialises compactly (`toSnapshot` / `fromSnapshot`, e.g. with v8.serialize).
 *
 * Reusable for any text: technique search (search.ts), report sentences,
 * rule descriptions. Tokenization is pluggable; the default is tokenize.ts.
 */
import { tokenize } from './tokenize.js';

export interface Bm25Field {
  name: string;
  /** Multiplier of this field's term frequency (default 1). */
  weight?: number;
  /** Length normalisation 0..1 (default 0.75). */
  b?: number;
}

export interface Bm25Options {
  /** Term-frequency saturation (default 1.2). */
  k1?: number;
  tokenizer?: (text: string) => string[];
}

export interface Bm25Hit {
  doc: number;
  score: number;
}

export interface Bm25SearchOptions {
  top?: number;
  /** Only documents for which this returns true. */
  filter?: (doc: number) => boolean;
  /** Minimum score (default: > 0). */
  minScore?: number;
}

/** Plain data (typed arrays, strings): what `toSnapshot` returns and `fromSnapshot` takes. */
export interface Bm25Snapshot {
  format: 1;
  k1: number;
  fields: { name: string; weight: number; b: number }[];
  docCount: number;
  terms: string[];
  /** Per field: CSR offsets (terms + 1), doc numbers, term frequencies, doc lengths. */
  postings: { offsets: Uint32Array; docs: Uint32Array; tfs: Uint16Array; lengths: Uint32Array; avgLength: number }[];
  /** Document frequency over all fields. */
  df: Uint32Array;
}

type FieldText = string | readonly string[] | undefined;

/** Collects documents, then `build()` makes the immutable index. */
export class Bm25Builder {
  private readonly fields: { name: string; weight: number; b: number }[];
  private readonly k1: number;
  private readonly tokenizer: (text: string) => string[];
  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  /** Per field: flat (term, doc, tf) triples. */
  private readonly triples: number[][];
  private readonly lengths: number[][];
  private docCount = 0;

  constructor(fields: readonly Bm25Field[], opts: Bm25Options = {}) {
    if (fields.length === 0) throw new Error('BM25 index needs at least one field');
    this.fields = fields.map((f) => ({ name: f.name, weight: f.weight ?? 1, b: f.b ?? 0.75 }));
    this.k1 = opts.k1 ?? 1.2;
    this.tokenizer = opts.tokenizer ?? ((t) => tokenize(t));
    this.triples = this.fields.map(() => []);
    this.lengths = this.fields.map(() => []);
  }

  /** Add a document; returns its number (0, 1, …). Missing fields are empty. */
  add(doc: Record<string, FieldText>): number {
    const tokens: Record<string, readonly string[]> = {};
    for (const f of this.fields) {
      const value = doc[f.name];
      const text = value === undefined ? '' : typeof value === 'string' ? value : value.join('\n');
      tokens[f.name] = text ? this.tokenizer(text) : [];
    }
    return this.addTokens(tokens);
  }

  /** Add a document whose fields are already tokenized (with the same tokenizer the queries will use). */
  addTokens(doc: Record<string, readonly string[] | undefined>): number {
    const n = this.docCount++;
    for (let fi = 0; fi < this.fields.length; fi++) {
      const tokens = doc[this.fields[fi]!.name] ?? [];
      this.lengths[fi]!.push(tokens.length);
      const tf = new Map<number, number>();
      for (const tok of tokens) {
        let id = this.termIds.get(tok);
        if (id === undefined) {
          id = this.terms.length;
          this.termIds.set(tok, id);
          this.terms.push(tok);
        }
        tf.set(id, (tf.get(id) ?? 0) + 1);
      }
      const out = this.triples[fi]!;
      for (const [term, count] of tf) out.push(term, n, Math.min(count, 65535));
    }
    return n;
  }

  build(): Bm25Index {
    const nTerms = this.terms.length;
    const df = new Uint32Array(nTerms);
    const postings = this.fields.map((_, fi) => {
      const t = this.triples[fi]!;
      const count = t.length / 3;
      const offsets = new Uint32Array(nTerms + 1);
      for (let i = 0; i < t.length; i += 3) offsets[t[i]! + 1]!++;
      for (let i = 0; i < nTerms; i++) offsets[i + 1]! += offsets[i]!;
      const cursor = offsets.slice(0, nTerms);
      const docs = new Uint32Array(count);
      const tfs = new Uint16Array(count);
      // Triples were added doc by doc, so each term's postings come out sorted by doc.
      for (let i = 0; i < t.length; i += 3) {
        const pos = cursor[t[i]!]!++;
        docs[pos] = t[i + 1]!;
        tfs[pos] = t[i + 2]!;
      }
      const lengths = Uint32Array.from(this.lengths[fi]!);
      let total = 0;
      for (const l of lengths) total += l;
      return { offsets, docs, tfs, lengths, avgLength: lengths.length ? Math.max(total / lengths.length, 1e-9) : 1 };
    });
    // Document frequency over all fields: a doc counts once per term (stamp marks docs seen for this term).
    const stamp = new Uint32Array(this.docCount);
    for (let term = 0; term < nTerms; term++) {
      let n = 0;
      for (const p of postings) {
        for (let i = p.offsets[term]!; i < p.offsets[term + 1]!; i++) {
          const d = p.docs[i]!;
          if (stamp[d] !== term + 1) {
            stamp[d] = term + 1;
            n++;
          }
        }
      }
      df[term] = n;
    }
    return Bm25Index.fromSnapshot({ format: 1, k1: this.k1, fields: this.fields, docCount: this.docCount, terms: this.terms, postings, df }, this.tokenizer);
  }
}

/** A built, immutable BM25F index. */
export class Bm25Index {
  readonly docCount: number;
  readonly fields: readonly { name: string; weight: number; b: number }[];
  private readonly snap: Bm25Snapshot;
  private readonly termIds: Map<string, number>;
  private readonly idf: Float64Array;
  private readonly tokenizer: (text: string) => string[];
  /** Scratch buffers reused across queries (sized by the document count). */
  private readonly acc: Float64Array;
  private readonly scores: Float64Array;
  private readonly touched: Uint32Array;
  private readonly mark: Uint8Array;
  /** Per field, per doc: k1-free length normaliser 1 - b + b·len/avg, inverted and weighted. */
  private readonly fieldNorm: Float32Array[];

  private constructor(snap: Bm25Snapshot, tokenizer: (text: string) => string[]) {
    this.snap = snap;
    this.docCount = snap.docCount;
    this.fields = snap.fields;
    this.tokenizer = tokenizer;
    this.termIds = new Map(snap.terms.map((t, i) => [t, i]));
    this.idf = new Float64Array(snap.terms.length);
    const N = snap.docCount;
    for (let i = 0; i < snap.terms.length; i++) {
      const n = snap.df[i]!;
      // BM25+-style floor keeps very common terms from going negative.
      this.idf[i] = Math.log(1 + (N - n + 0.5) / (n + 0.5));
    }
    this.acc = new Float64Array(N);
    this.scores = new Float64Array(N);
    this.touched = new Uint32Array(N);
    this.mark = new Uint8Array(N);
    this.fieldNorm = snap.fields.map((f, fi) => {
      const p = snap.postings[fi]!;
      const out = new Float32Array(N);
      for (let d = 0; d < N; d++) out[d] = f.weight / (1 - f.b + (f.b * p.lengths[d]!) / p.avgLength);
      return out;
    });
  }

  static fromSnapshot(snap: Bm25Snapshot, tokenizer: (text: string) => string[] = (t) => tokenize(t)): Bm25Index {
    if (snap.format !== 1) throw new Error(`unsupported BM25 snapshot format ${String(snap.format)}`);
    return new Bm25Index(snap, tokenizer);
  }

  toSnapshot(): Bm25Snapshot {
    return this.snap;
  }

  /** Tokenize with this index's tokenizer. */
  tokens(text: string): string[] {
    return this.tokenizer(text);
  }

  /** Inverse document frequency of a (tokenized) term; 0 when unknown. */
  idfOf(term: string): number {
    const id = this.termIds.get(term);
    return id === undefined ? 0 : this.idf[id]!;
  }

  /** Score every matching document for a query string. */
  search(query: string, opts: Bm25SearchOptions = {}): Bm25Hit[] {
    return this.searchTokens(this.tokenizer(query), opts);
  }

  /** Score for already tokenized query terms (repeated terms count once per repeat), best first. */
  searchTokens(queryTokens: readonly string[], opts: Bm25SearchOptions = {}): Bm25Hit[] {
    const top = opts.top ?? Infinity;
    const minScore = opts.minScore ?? 0;
    const filter = opts.filter;
    // A min-heap of the best `top` hits keeps large result sets cheap.
    const heap: Bm25Hit[] = [];
    const worse = (a: Bm25Hit, b: Bm25Hit) => a.score < b.score || (a.score === b.score && a.doc > b.doc);
    this.forEachScore(queryTokens, (doc, score) => {
      if (score <= minScore || top <= 0) return;
      if (filter && !filter(doc)) return;
      const hit = { doc, score };
      if (heap.length < top) {
        heap.push(hit);
        for (let i = heap.length - 1; i > 0; ) {
          const parent = (i - 1) >> 1;
          if (!worse(heap[i]!, heap[parent]!)) break;
          [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
          i = parent;
        }
      } else if (worse(heap[0]!, hit)) {
        heap[0] = hit;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
    });
    return heap.sort((a, b) => b.score - a.score || a.doc - b.doc);
  }

  /** Call `visit` for every document with a positive score, in no particular order; allocates nothing per document. */
  forEachScore(queryTokens: readonly string[], visit: (doc: number, score: number) => void): void {
    const touchedCount = this.scoreInto(queryTokens);
    const { touched, scores, mark } = this;
    try {
      for (let i = 0; i < touchedCount; i++) {
        const d = touched[i]!;
        visit(d, scores[d]!);
      }
    } finally {
      for (let i = 0; i < touchedCount; i++) {
        const d = touched[i]!;
        scores[d] = 0;
        mark[d] = 0;
      }
    }
  }

  /** Scores of the given documents only (0 where nothing matched). */
  scoreDocs(queryTokens: readonly string[], docs: readonly number[]): Float64Array {
    const touchedCount = this.scoreInto(queryTokens);
    const out = new Float64Array(docs.length);
    docs.forEach((d, i) => (out[i] = this.scores[d] ?? 0));
    for (let i = 0; i < touchedCount; i++) {
      const d = this.touched[i]!;
      this.scores[d] = 0;
      this.mark[d] = 0;
    }
    return out;
  }

  /** Accumulate BM25F scores into `scores`; returns how many docs in `touched`. */
  private scoreInto(queryTokens: readonly string[]): number {
    const { snap, acc, scores, touched, mark, fieldNorm } = this;
    const k1 = snap.k1;
    const qtf = new Map<number, number>();
    for (const t of queryTokens) {
      const id = this.termIds.get(t);
      if (id !== undefined) qtf.set(id, (qtf.get(id) ?? 0) + 1);
    }
    let touchedCount = 0;
    const termDocs: number[] = [];
    for (const [term, q] of qtf) {
      const idf = this.idf[term]!;
      if (idf <= 0) continue;
      termDocs.length = 0;
      for (let fi = 0; fi < snap.postings.length; fi++) {
        const p = snap.postings[fi]!;
        const norm = fieldNorm[fi]!;
        for (let i = p.offsets[term]!; i < p.offsets[term + 1]!; i++) {
          const d = p.docs[i]!;
          if (acc[d] === 0) termDocs.push(d);
          acc[d]! += p.tfs[i]! * norm[d]!;
        }
      }
      for (const d of termDocs) {
        const tf = acc[d]!;
        acc[d] = 0;
        scores[d]! += q * idf * ((tf * (k1 + 1)) / (tf + k1));
        if (!mark[d]) {
          mark[d] = 1;
          touched[touchedCount++] = d;
        }
      }
    }
    return touchedCount;
  }
}
