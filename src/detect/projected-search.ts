/**
 * Fast technique ranking over the TTP index, for the detector's hot path.
 * Exact k-NN costs one full-width dot product per index entry (16.7k × 128
 * multiply-adds per sequence), the dominant cost of detection. Here the
 * entries are also kept projected onto the leading principal directions of
 * the index itself (`dims`, default 32): a cheap first pass scores every
 * entry in that subspace, the best `shortlist` entries (default 768) are
 * rescored exactly, and techniques are ranked by their best exact entry —
 * the same ranking as `rankTechniques` whenever a technique's best entry is
 * in the shortlist (the tests measure the agreement on real sequences). The
 * projection is computed deterministically (orthogonal iteration from a
 * fixed start), so every run ranks alike.
 */
import type { VectorIndex } from '../embed/vector/vector-index.js';
import { knnKernels, type KnnKernels } from './projected-kernel.js';

export interface RankedEntry {
  technique: string;
  row: number;
  score: number;
}

export interface ProjectedSearchOptions {
  dims?: number;
  shortlist?: number;
}

/**
 * The k-th largest of values[0..m) (1 ≤ k ≤ m), reordering them:
 * quickselect with a three-way partition (many equal values stay linear).
 */
function kthLargest(values: Float64Array, m: number, k: number): number {
  let lo = 0;
  let hi = m - 1;
  const want = k - 1; // position in descending order
  for (;;) {
    if (lo >= hi) return values[lo]!;
    const mid = (lo + hi) >> 1;
    // median of three as the pivot
    const a = values[lo]!;
    const b = values[mid]!;
    const c = values[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    // [lo, gt) > pivot, [gt, i) == pivot, (lt, hi] < pivot
    let gt = lo;
    let i = lo;
    let lt = hi;
    while (i <= lt) {
      const v = values[i]!;
      if (v > pivot) {
        values[i] = values[gt]!;
        values[gt++] = v;
        i++;
      } else if (v < pivot) {
        values[i] = values[lt]!;
        values[lt--] = v;
      } else i++;
    }
    if (want < gt) hi = gt - 1;
    else if (want <= lt) return pivot;
    else lo = lt + 1;
  }
}

/** The `r` leading eigenvectors (columns, row-major d × r) of the second-moment matrix of the rows. */
function principalBasis(x: Float32Array, n: number, d: number, r: number): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let a = 0; a < d; a++) {
      const xa = x[base + a]!;
      if (xa === 0) continue;
      const row = a * d;
      for (let b = a; b < d; b++) m[row + b]! += xa * x[base + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) m[a * d + b] = m[b * d + a]!;
  // orthogonal iteration from a fixed start (columns = the first r axes, slightly mixed)
  let q = new Float64Array(d * r);
  for (let a = 0; a < d; a++) for (let c = 0; c < r; c++) q[a * r + c] = a === c ? 1 : 1e-3 * Math.sin(1 + a * 7 + c * 13);
  const z = new Float64Array(d * r);
  for (let it = 0; it < 60; it++) {
    z.fill(0);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
      const mab = m[a * d + b]!;
      if (mab === 0) continue;
      for (let c = 0; c < r; c++) z[a * r + c]! += mab * q[b * r + c]!;
    }
    // Gram–Schmidt on the columns
    for (let c = 0; c < r; c++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += z[a * r + c]! * z[a * r + p]!;
        for (let a = 0; a < d; a++) z[a * r + c]! -= dot * z[a * r + p]!;
      }
      let norm = 0;
      for (let a = 0; a < d; a++) norm += z[a * r + c]! ** 2;
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let a = 0; a < d; a++) z[a * r + c]! *= inv;
    }
    q = Float64Array.from(z);
  }
  return q;
}

/**
 * What the projection is made of, in shared memory: a worker thread given it
 * searches the same index without recomputing the projection.
 */
export interface ProjectedState {
  dims: number;
  /** d × dims, row-major. */
  basis: Float64Array;
  /** n × dims, column by column, float32 (see `ProjectedSearch.projected`). */
  projected: Float32Array;
}

/** Queries searched together (see `rankMany`). */
const BATCH_SHIFT = 6;
const BATCH = 1 << BATCH_SHIFT;
/** Entries per block of the batched first pass: 32 columns × 128 float64 (32 KiB) stay in the L1 cache for the whole batch. */
const BLOCK = 128;

function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT));
}

export class ProjectedSearch {
  readonly dims: number;
  readonly shortlist: number;
  private readonly basis: Float64Array;
  /**
   * The projected entries column by column (projected[c * n + i] = entry i on
   * direction c), in float32 (half the memory to stream per query; the sums
   * are still taken in float64): the first pass then runs four directions at
   * a time down contiguous columns, about twice as fast as row by row, with
   * the same sums in the same order as the row-major loop.
   */
  private readonly projected: Float32Array;
  /** Per entry its technique as a number (-1: none), per number the technique. */
  private readonly techniqueNo: Int32Array;
  private readonly techniques: string[];
  private readonly groupMax: Float64Array;
  /** First-pass scores of the entries that may be shortlisted (scratch for `kthLargest`). */
  private readonly candidates: Float64Array;
  private readonly candidateRows: Int32Array;
  /** Rows of the current shortlist. */
  private readonly shortlisted: Int32Array;
  /** Work space for a batch of up to `BATCH` queries (see `rankMany`). */
  private readonly q64: Float64Array;
  /**
   * The WebAssembly kernels (first pass, candidate filter, exact rescoring:
   * `projected-kernel.ts`), whose memory holds the projected entries
   * (float64, columns of `n4` entries), a float32 copy of the index vectors
   * and the batch work space (`at`).
   */
  private readonly kernel: KnnKernels;
  /** Entries per projected column in the kernels' memory (a multiple of 4; the padding is zeros). */
  private readonly n4: number;
  /** Byte offsets of the regions of the kernels' memory. */
  private readonly at: Record<'y' | 'x' | 'q64' | 'qp' | 'firstPass' | 'candidates' | 'rows' | 'groupMax' | 'pairs' | 'scores', number>;
  /** Projected queries of the batch (`dims` each) and their first-pass scores (`n4` per query), views into the kernel's memory. */
  private readonly qp: Float64Array;
  private readonly firstPass: Float64Array;
  /** Per query of the batch and technique number: best exact score and row so far; `seen` marks which are set. */
  private readonly bestScore: Float64Array;
  private readonly bestRow: Int32Array;
  private readonly seen: Uint8Array;
  private readonly pairs: Int32Array;
  private readonly pairScores: Float64Array;

  constructor(
    private readonly index: VectorIndex,
    opts: ProjectedSearchOptions & { state?: ProjectedState } = {},
  ) {
    const d = index.dim;
    const n = index.size;
    this.shortlist = Math.max(1, Math.min(n || 1, opts.shortlist ?? 768));
    if (opts.state) {
      const st = opts.state;
      if (st.basis.length !== d * st.dims || st.projected.length !== n * st.dims) throw new Error('projected state does not fit this index');
      this.dims = st.dims;
      this.basis = st.basis;
      this.projected = st.projected;
    } else {
      this.dims = Math.max(1, Math.min(d, opts.dims ?? 32));
      const x = index.vectors;
      const r = this.dims;
      this.basis = sharedFloat64(d * r);
      this.basis.set(principalBasis(x, n, d, r));
      this.projected = new Float32Array(new SharedArrayBuffer(n * r * Float32Array.BYTES_PER_ELEMENT));
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < r; c++) {
          let s = 0;
          for (let a = 0; a < d; a++) s += x[i * d + a]! * this.basis[a * r + c]!;
          this.projected[c * n + i] = s;
        }
      }
    }
    const numbers = new Map<string, number>();
    this.techniques = [];
    this.techniqueNo = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const t = index.entry(i)?.meta.technique ?? '';
      let no = -1;
      if (t) {
        no = numbers.get(t) ?? -1;
        if (no < 0) {
          no = this.techniques.push(t) - 1;
          numbers.set(t, no);
        }
      }
      this.techniqueNo[i] = no;
    }
    this.shortlisted = new Int32Array(this.shortlist);
    const t = this.techniques.length;
    const r = this.dims;
    const k = this.shortlist;
    // the kernels' work space, one region after the other in their memory
    this.n4 = Math.ceil(n / 4) * 4;
    let bytes = 0;
    const region = (size: number) => {
      const at = bytes;
      bytes += Math.ceil(size / 16) * 16;
      return at;
    };
    const at = { y: region(8 * r * this.n4), x: region(4 * n * d), q64: region(8 * BATCH * d), qp: region(8 * BATCH * r), firstPass: region(8 * BATCH * this.n4), candidates: region(8 * n), rows: region(4 * n), groupMax: region(8 * k), pairs: region(4 * BATCH * k), scores: region(8 * BATCH * k) };
    this.at = at;
    this.kernel = knnKernels(bytes);
    const buf = this.kernel.memory.buffer;
    const y = new Float64Array(buf, at.y, r * this.n4);
    for (let c = 0; c < r; c++) y.set(this.projected.subarray(c * n, c * n + n), c * this.n4);
    new Float32Array(buf, at.x, n * d).set(index.vectors);
    this.q64 = new Float64Array(buf, at.q64, BATCH * d);
    this.qp = new Float64Array(buf, at.qp, BATCH * r);
    this.firstPass = new Float64Array(buf, at.firstPass, BATCH * this.n4);
    this.candidates = new Float64Array(buf, at.candidates, n);
    this.candidateRows = new Int32Array(buf, at.rows, n);
    this.groupMax = new Float64Array(buf, at.groupMax, k);
    this.pairs = new Int32Array(buf, at.pairs, BATCH * k);
    this.pairScores = new Float64Array(buf, at.scores, BATCH * k);
    this.bestScore = new Float64Array(BATCH * t);
    this.bestRow = new Int32Array(BATCH * t);
    this.seen = new Uint8Array(BATCH * t);
  }

  /** The projection, for `new ProjectedSearch(sameIndex, { state })` elsewhere (shared, not copied). */
  state(): ProjectedState {
    return { dims: this.dims, basis: this.basis, projected: this.projected };
  }

  /** The `top` best techniques for a unit query vector, each with its best entry (exact score). */
  rank(query: Float32Array, top: number): RankedEntry[] {
    return this.rankMany([query], top)[0]!;
  }

  /**
   * `rank` for several queries at once, with the same results: the first
   * pass runs block by block over the entries, each block of projected
   * columns read once for up to `BATCH` queries (the columns are megabytes,
   * so one query at a time spends its time waiting for memory), and the
   * exact rescoring visits the shortlisted rows of all queries in row order.
   */
  rankMany(queries: readonly Float32Array[], top: number): RankedEntry[][] {
    const out: RankedEntry[][] = [];
    for (let s = 0; s < queries.length; s += BATCH) out.push(...this.batch(queries.slice(s, s + BATCH), top));
    return out;
  }

  private batch(queries: readonly Float32Array[], top: number): RankedEntry[][] {
    const d = this.index.dim;
    const r = this.dims;
    const n = this.index.size;
    const nq = queries.length;
    const q64 = this.q64;
    const qp = this.qp;
    for (let b = 0; b < nq; b++) {
      const query = queries[b]!;
      let norm = 0;
      for (let a = 0; a < d; a++) norm += query[a]! * query[a]!;
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      const qo = b * d;
      for (let a = 0; a < d; a++) q64[qo + a] = query[a]! * inv;
      for (let c = 0; c < r; c++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += q64[qo + a]! * this.basis[a * r + c]!;
        qp[b * r + c] = s;
      }
    }
    this.firstPassOf(nq);
    // the shortlists, then their rows in row order, each scored exactly for every query that holds it
    let pairCount = 0;
    for (let b = 0; b < nq; b++) {
      const count = this.shortlistOf(this.firstPass.subarray(b * this.n4, b * this.n4 + n));
      for (let k = 0; k < count; k++) this.pairs[pairCount++] = this.shortlisted[k]! * BATCH + b;
    }
    const pairs = this.pairs.subarray(0, pairCount).sort();
    const t = this.techniques.length;
    this.seen.fill(0, 0, nq * t);
    // exact scores of all pairs (see `projected-kernel.ts`: the same sums in the same order as a scalar loop)
    this.kernel.rescore(this.at.x, d, this.at.q64, this.at.pairs, pairCount, this.at.scores, BATCH_SHIFT);
    const scores = this.pairScores;
    // per query and technique its best entry; rows come in ascending order, so a tie keeps the lower row
    for (let p = 0; p < pairCount; p++) {
      const row = pairs[p]! >> BATCH_SHIFT;
      const tech = this.techniqueNo[row]!;
      if (tech < 0) continue;
      const slot = (pairs[p]! & (BATCH - 1)) * t + tech;
      const e = scores[p]!;
      if (this.seen[slot] === 0 || e > this.bestScore[slot]!) {
        this.seen[slot] = 1;
        this.bestScore[slot] = e;
        this.bestRow[slot] = row;
      }
    }
    const results: RankedEntry[][] = [];
    for (let b = 0; b < nq; b++) {
      const list: RankedEntry[] = [];
      const o = b * t;
      for (let tech = 0; tech < t; tech++) if (this.seen[o + tech] === 1) list.push({ technique: this.techniques[tech]!, row: this.bestRow[o + tech]!, score: this.bestScore[o + tech]! });
      list.sort((u, v) => v.score - u.score || u.row - v.row);
      results.push(list.slice(0, top));
    }
    return results;
  }

  /**
   * firstPass[b·n4 + i] = query b's projection · entry i's, for the first
   * `nq` queries of the work space (sums grouped by four directions, as
   * s += y0q0 + y1q1 + y2q2 + y3q3: see `projected-kernel.ts`).
   */
  private firstPassOf(nq: number): void {
    this.kernel.firstPass(this.at.y, this.n4, this.dims, this.at.qp, nq, this.at.firstPass, BLOCK);
  }

  /**
   * The best `shortlist` entries by first-pass score (a lower row wins a
   * tie) into `shortlisted`, in row order; returns how many. Entries below
   * the smallest of `shortlist` disjoint group maxima cannot be among them
   * (each maximum is a distinct entry at least that good), so only the rest
   * are ranked to find the cut.
   */
  private shortlistOf(acc: Float64Array): number {
    const k = this.shortlist;
    const rows = this.candidateRows;
    const cand = this.candidates;
    const m = this.kernel.candidates(acc.byteOffset, acc.length, k, this.at.groupMax, this.at.rows, this.at.candidates);
    const cut = kthLargest(cand, m, k);
    let above = 0;
    for (let j = 0; j < m; j++) if (cand[j]! > cut) above++;
    // everything above the cut, and entries at the cut in row order until the list is full
    let ties = k - above;
    let count = 0;
    const out = this.shortlisted;
    for (let j = 0; j < m; j++) {
      const v = acc[rows[j]!]!;
      if (v > cut || (v === cut && ties-- > 0)) out[count++] = rows[j]!;
    }
    return count;
  }
}
