/**
 * The vector index: unit vectors with ids and metadata (technique texts,
 * procedure examples, intelligence from reports…), k-NN with filters on
 * tactic, platform, source and technique. Exact blocked search up to
 * `exactLimit` entries (default 100k); beyond that an HNSW graph is built
 * lazily on first search and kept up to date on later adds.
 */
import { exactSearch } from './exact.js';
import { Hnsw, type HnswOptions } from './hnsw.js';

export interface EntryMeta {
  /** ATT&CK technique id the entry stands for or was labelled with. */
  technique?: string;
  tactics?: string[];
  platforms?: string[];
  /** Where the entry came from: `technique`, `procedure`, `report`, … */
  source: string;
  /** Text shown to people (kept short). */
  text?: string;
}

export interface IndexEntry {
  id: string;
  meta: EntryMeta;
}

export interface SearchFilter {
  tactic?: string;
  platform?: string;
  source?: string | string[];
  technique?: string;
}

export interface Neighbour extends IndexEntry {
  /** Cosine similarity. */
  score: number;
  /** Row in the index. */
  row: number;
}

export interface VectorIndexOptions {
  /** Use exact search up to this many entries. Default 100,000. */
  exactLimit?: number;
  hnsw?: HnswOptions;
  /** Search beam for HNSW. Default 96. */
  efSearch?: number;
}

export class VectorIndex {
  private matrix: Float32Array;
  private readonly entries: IndexEntry[] = [];
  private hnsw: Hnsw | undefined;
  private hnswBuilt = 0;
  readonly exactLimit: number;
  efSearch: number;

  constructor(
    readonly dim: number,
    private readonly options: VectorIndexOptions = {},
  ) {
    this.matrix = new Float32Array(dim * 1024);
    this.exactLimit = options.exactLimit ?? 100_000;
    this.efSearch = options.efSearch ?? 96;
  }

  /**
   * An index over rows that are already unit vectors (`vectors` of another index, e.g. from a cache), taken
   * as they are: `add` would normalise them again, and a second rounding can change the last bit.
   */
  static fromUnitRows(dim: number, rows: Float32Array, entries: readonly IndexEntry[], options: VectorIndexOptions = {}): VectorIndex {
    if (rows.length !== entries.length * dim) throw new Error(`${rows.length} numbers are not ${entries.length} rows of ${dim}`);
    const index = new VectorIndex(dim, options);
    index.matrix = new Float32Array(Math.max(dim * 1024, rows.length));
    index.matrix.set(rows);
    for (const e of entries) index.entries.push(e);
    return index;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The vectors, row-major (size × dim). */
  get vectors(): Float32Array {
    return this.matrix.subarray(0, this.entries.length * this.dim);
  }

  entry(row: number): IndexEntry | undefined {
    return this.entries[row];
  }

  /** Add one vector (normalised here; a zero vector stays zero and never matches well). */
  add(vector: ArrayLike<number>, entry: IndexEntry): number {
    if (vector.length !== this.dim) throw new Error(`vector has ${vector.length} dimensions, the index ${this.dim}`);
    const row = this.entries.length;
    if ((row + 1) * this.dim > this.matrix.length) {
      const bigger = new Float32Array(this.matrix.length * 2);
      bigger.set(this.matrix);
      this.matrix = bigger;
    }
    let norm = 0;
    for (let j = 0; j < this.dim; j++) norm += vector[j]! * vector[j]!;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const base = row * this.dim;
    for (let j = 0; j < this.dim; j++) this.matrix[base + j] = vector[j]! * inv;
    this.entries.push(entry);
    return row;
  }

  /** Add a block of vectors (row-major). */
  addMany(vectors: Float32Array, entries: readonly IndexEntry[]): void {
    for (let i = 0; i < entries.length; i++) this.add(vectors.subarray(i * this.dim, (i + 1) * this.dim), entries[i]!);
  }

  /** Whether searches use the approximate graph. */
  get approximate(): boolean {
    return this.entries.length > this.exactLimit;
  }

  private ensureGraph(): Hnsw {
    if (!this.hnsw) this.hnsw = new Hnsw(() => this.matrix, this.dim, Math.max(1024, this.entries.length), this.options.hnsw);
    for (; this.hnswBuilt < this.entries.length; this.hnswBuilt++) this.hnsw.insert(this.hnswBuilt);
    return this.hnsw;
  }

  /** Build the HNSW graph now (otherwise it is built on the first approximate search). */
  buildGraph(): void {
    this.ensureGraph();
  }

  private mask(filter: SearchFilter | undefined): Uint8Array | undefined {
    if (!filter) return undefined;
    const sources = filter.source === undefined ? undefined : new Set(Array.isArray(filter.source) ? filter.source : [filter.source]);
    const tactic = filter.tactic?.toLowerCase();
    const platform = filter.platform?.toLowerCase();
    const technique = filter.technique?.toUpperCase();
    if (!sources && !tactic && !platform && !technique) return undefined;
    const m = new Uint8Array(this.entries.length);
    for (let i = 0; i < this.entries.length; i++) {
      const meta = this.entries[i]!.meta;
      if (sources && !sources.has(meta.source)) continue;
      if (tactic && !meta.tactics?.some((t) => t.toLowerCase() === tactic)) continue;
      if (platform && !meta.platforms?.some((p) => p.toLowerCase() === platform)) continue;
      if (technique && meta.technique?.toUpperCase() !== technique && !meta.technique?.toUpperCase().startsWith(technique + '.')) continue;
      m[i] = 1;
    }
    return m;
  }

  /** The k entries most similar to `query` (best first), optionally filtered. */
  search(query: ArrayLike<number>, k: number, filter?: SearchFilter, opts: { exact?: boolean } = {}): Neighbour[] {
    if (query.length !== this.dim) throw new Error(`query has ${query.length} dimensions, the index ${this.dim}`);
    const allowed = this.mask(filter);
    let norm = 0;
    for (let j = 0; j < this.dim; j++) norm += query[j]! * query[j]!;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const q = new Float64Array(this.dim);
    for (let j = 0; j < this.dim; j++) q[j] = query[j]! * inv;
    query = q;
    let hits: { id: number; score: number }[];
    if (opts.exact || !this.approximate) {
      hits = exactSearch(this.matrix, this.entries.length, this.dim, query, k, allowed);
    } else {
      hits = this.ensureGraph().search(query, k, Math.max(this.efSearch, k), allowed);
      // a very selective filter can starve the graph walk: fall back to exact
      if (allowed && hits.length < k) hits = exactSearch(this.matrix, this.entries.length, this.dim, query, k, allowed);
    }
    return hits.map((h) => ({ ...this.entries[h.id]!, score: h.score, row: h.id }));
  }
}
