/**
 * HNSW (hierarchical navigable small world graph, Malkov & Yashunin) over
 * unit vectors with inner-product similarity. Levels are drawn from a seeded
 * generator, so the same inserts build the same graph.
 *
 * Layout, chosen so that the hot loops allocate nothing: level 0 keeps up to
 * 2·M links per node in one flat Int32Array with a count per node; a node on
 * level ℓ ≥ 1 owns one Int32Array holding, per upper level, a count and M
 * slots. Candidate and result queues are reusable typed-array heaps and the
 * visited set is an epoch-stamped Uint32Array.
 */
import { Rng } from '../rng.js';
import { PairHeap } from './heap.js';

export interface HnswOptions {
  /** Links per node on upper levels (level 0 keeps 2·M). Default 16. */
  m?: number;
  /** Candidate list size while building. Default 200. */
  efConstruction?: number;
  seed?: number;
}

const MAX_LEVEL = 16;

export class Hnsw {
  readonly m: number;
  readonly m0: number;
  readonly efConstruction: number;
  private readonly mL: number;
  private readonly rng: Rng;
  private level0: Int32Array;
  private count0: Uint8Array;
  /** node → [count, m links] for levels 1..level, back to back. */
  private readonly upper = new Map<number, Int32Array>();
  private levels: Int8Array;
  private entry = -1;
  private maxLevel = -1;
  private visited: Uint32Array;
  private visitEpoch = 0;
  size = 0;
  private readonly candidates = new PairHeap(true);
  private readonly results = new PairHeap(false);
  /** Scratch for neighbour selection. */
  private scratchIds = new Int32Array(0);
  private scratchScores = new Float64Array(0);
  private readonly keptIds: Int32Array;
  private readonly query: Float32Array;

  constructor(
    private readonly vectors: () => Float32Array,
    readonly dim: number,
    capacity: number,
    opts: HnswOptions = {},
  ) {
    this.m = Math.max(2, Math.min(127, opts.m ?? 16));
    this.m0 = this.m * 2;
    this.efConstruction = Math.max(this.m, opts.efConstruction ?? 200);
    this.mL = 1 / Math.log(this.m);
    this.rng = new Rng(opts.seed ?? 42);
    capacity = Math.max(16, capacity);
    this.level0 = new Int32Array(capacity * this.m0);
    this.count0 = new Uint8Array(capacity);
    this.levels = new Int8Array(capacity);
    this.visited = new Uint32Array(capacity);
    this.keptIds = new Int32Array(this.m0);
    this.query = new Float32Array(dim);
  }

  private grow(capacity: number): void {
    const l0 = new Int32Array(capacity * this.m0);
    l0.set(this.level0);
    this.level0 = l0;
    const c0 = new Uint8Array(capacity);
    c0.set(this.count0);
    this.count0 = c0;
    const lv = new Int8Array(capacity);
    lv.set(this.levels);
    this.levels = lv;
    this.visited = new Uint32Array(capacity);
    this.visitEpoch = 0;
  }

  private nextEpoch(): number {
    this.visitEpoch++;
    if (this.visitEpoch === 0xffffffff) {
      this.visited.fill(0);
      this.visitEpoch = 1;
    }
    return this.visitEpoch;
  }

  /** Where node's links on `level` start, and the count cell (level 0: count0[node]). */
  private linkBase(node: number, level: number): number {
    return (level - 1) * (this.m + 1);
  }

  /**
   * Beam search on one level from `entry`: leaves the best `ef` (allowed)
   * nodes in `this.results` (a min-heap by similarity).
   */
  private searchLayer(v: Float32Array, q: Float32Array, qOff: number, entry: number, ef: number, level: number, allowed?: Uint8Array): void {
    const d = this.dim;
    const epoch = this.nextEpoch();
    const visited = this.visited;
    const cand = this.candidates;
    const res = this.results;
    cand.clear();
    res.clear();
    const s0 = dot(v, entry * d, q, qOff, d);
    visited[entry] = epoch;
    cand.push(entry, s0);
    if (!allowed || allowed[entry]) res.push(entry, s0);
    const l0 = this.level0;
    const m0 = this.m0;
    while (cand.size > 0) {
      const c = cand.topId();
      const cs = cand.topKey();
      if (res.size >= ef && cs < res.topKey()) break;
      cand.pop();
      let links: Int32Array;
      let from: number;
      let count: number;
      if (level === 0) {
        links = l0;
        from = c * m0;
        count = this.count0[c]!;
      } else {
        links = this.upper.get(c)!;
        from = this.linkBase(c, level);
        count = links[from]!;
        from++;
      }
      for (let k = 0; k < count; k++) {
        const n = links[from + k]!;
        if (visited[n] === epoch) continue;
        visited[n] = epoch;
        const s = dot(v, n * d, q, qOff, d);
        if (res.size < ef || s > res.topKey()) {
          cand.push(n, s);
          if (!allowed || allowed[n]) {
            res.push(n, s);
            if (res.size > ef) res.pop();
          }
        }
      }
    }
  }

  /** Drain `this.results` into the scratch arrays, best first; returns the count. */
  private drainResults(): number {
    const res = this.results;
    const n = res.size;
    this.ensureScratch(n + 1);
    for (let i = n - 1; i >= 0; i--) {
      this.scratchIds[i] = res.topId();
      this.scratchScores[i] = res.topKey();
      res.pop();
    }
    return n;
  }

  private ensureScratch(n: number): void {
    if (this.scratchIds.length < n) {
      this.scratchIds = new Int32Array(n * 2);
      this.scratchScores = new Float64Array(n * 2);
    }
  }

  /**
   * Neighbour selection heuristic (the paper's Algorithm 4): walk candidates
   * best first and keep one only if it is more similar to the base than to
   * every node kept so far, so links point in diverse directions. Writes the
   * kept ids into `this.keptIds` and returns their count.
   */
  private select(v: Float32Array, ids: Int32Array, scores: Float64Array, n: number, max: number): number {
    const d = this.dim;
    const kept = this.keptIds;
    let count = 0;
    for (let i = 0; i < n && count < max; i++) {
      const c = ids[i]!;
      const cs = scores[i]!;
      let ok = true;
      for (let k = 0; k < count; k++) {
        if (dot(v, c * d, v, kept[k]! * d, d) > cs) {
          ok = false;
          break;
        }
      }
      if (ok) kept[count++] = c;
    }
    return count;
  }

  /** Insert node `id` (its vector must already be in the matrix). Ids are dense: 0, 1, 2, … */
  insert(id: number): void {
    if (id >= this.levels.length) this.grow(Math.max(id + 1, this.levels.length * 2));
    const level = Math.min(MAX_LEVEL, Math.floor(-Math.log(Math.max(this.rng.next(), 1e-12)) * this.mL));
    this.levels[id] = level;
    this.count0[id] = 0;
    if (level > 0) this.upper.set(id, new Int32Array(level * (this.m + 1)));
    this.size = Math.max(this.size, id + 1);
    if (this.entry < 0) {
      this.entry = id;
      this.maxLevel = level;
      return;
    }
    const v = this.vectors();
    const d = this.dim;
    const qOff = id * d;
    let ep = this.entry;
    for (let l = this.maxLevel; l > level; l--) ep = this.greedy(v, v, qOff, ep, l);
    for (let l = Math.min(level, this.maxLevel); l >= 0; l--) {
      this.searchLayer(v, v, qOff, ep, this.efConstruction, l);
      const found = this.drainResults();
      const nextEp = this.scratchIds[0]!;
      const chosen = this.select(v, this.scratchIds, this.scratchScores, found, this.m);
      const mine = Int32Array.from(this.keptIds.subarray(0, chosen));
      this.setLinks(id, l, mine, chosen);
      const max = l === 0 ? this.m0 : this.m;
      for (let i = 0; i < chosen; i++) this.link(v, mine[i]!, id, l, max);
      ep = nextEp;
    }
    if (level > this.maxLevel) {
      this.maxLevel = level;
      this.entry = id;
    }
  }

  private setLinks(node: number, level: number, ids: Int32Array, n: number): void {
    if (level === 0) {
      this.level0.set(ids.subarray(0, n), node * this.m0);
      this.count0[node] = n;
    } else {
      const links = this.upper.get(node)!;
      const base = this.linkBase(node, level);
      links[base] = n;
      links.set(ids.subarray(0, n), base + 1);
    }
  }

  /** Add the back link node → id, pruning node's list with the heuristic when it is full. */
  private link(v: Float32Array, node: number, id: number, level: number, max: number): void {
    let links: Int32Array;
    let from: number;
    let count: number;
    if (level === 0) {
      links = this.level0;
      from = node * this.m0;
      count = this.count0[node]!;
    } else {
      links = this.upper.get(node)!;
      from = this.linkBase(node, level);
      count = links[from]!;
      from++;
    }
    if (count < max) {
      links[from + count] = id;
      if (level === 0) this.count0[node] = count + 1;
      else links[from - 1] = count + 1;
      return;
    }
    const d = this.dim;
    this.ensureScratch(count + 1);
    const ids = this.scratchIds;
    const scores = this.scratchScores;
    for (let k = 0; k < count; k++) ids[k] = links[from + k]!;
    ids[count] = id;
    for (let k = 0; k <= count; k++) scores[k] = dot(v, ids[k]! * d, v, node * d, d);
    sortPairsDesc(ids, scores, count + 1);
    const kept = this.select(v, ids, scores, count + 1, max);
    for (let k = 0; k < kept; k++) links[from + k] = this.keptIds[k]!;
    if (level === 0) this.count0[node] = kept;
    else links[from - 1] = kept;
  }

  private greedy(v: Float32Array, q: Float32Array, qOff: number, start: number, level: number): number {
    const d = this.dim;
    let cur = start;
    let best = dot(v, cur * d, q, qOff, d);
    for (let changed = true; changed; ) {
      changed = false;
      const links = this.upper.get(cur)!;
      const base = this.linkBase(cur, level);
      const count = links[base]!;
      for (let k = 1; k <= count; k++) {
        const n = links[base + k]!;
        const s = dot(v, n * d, q, qOff, d);
        if (s > best) {
          best = s;
          cur = n;
          changed = true;
        }
      }
    }
    return cur;
  }

  /** k nearest by inner product; `ef` ≥ k trades speed for recall; `allowed` filters during the search. */
  search(query: ArrayLike<number>, k: number, ef = Math.max(64, k), allowed?: Uint8Array): { id: number; score: number }[] {
    if (this.entry < 0 || k <= 0) return [];
    const q = this.query;
    for (let j = 0; j < this.dim; j++) q[j] = query[j]!;
    const v = this.vectors();
    let ep = this.entry;
    for (let l = this.maxLevel; l > 0; l--) ep = this.greedy(v, q, 0, ep, l);
    this.searchLayer(v, q, 0, ep, Math.max(ef, k), 0, allowed);
    const n = this.drainResults();
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < n && i < k; i++) out.push({ id: this.scratchIds[i]!, score: this.scratchScores[i]! });
    return out;
  }

  /** Graph statistics (for benchmarks and tests): mean level-0 degree, top level. */
  stats(): { nodes: number; meanDegree0: number; maxLevel: number; upperNodes: number } {
    let links = 0;
    for (let i = 0; i < this.size; i++) links += this.count0[i]!;
    return { nodes: this.size, meanDegree0: this.size ? links / this.size : 0, maxLevel: this.maxLevel, upperNodes: this.upper.size };
  }
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += a[ao + j]! * b[bo + j]!;
    s1 += a[ao + j + 1]! * b[bo + j + 1]!;
    s2 += a[ao + j + 2]! * b[bo + j + 2]!;
    s3 += a[ao + j + 3]! * b[bo + j + 3]!;
  }
  for (; j < d; j++) s0 += a[ao + j]! * b[bo + j]!;
  return s0 + s1 + s2 + s3;
}

/** Insertion sort of (id, score) pairs by score, best first, ties by lower id (lists are ≤ 2M + 1 long). */
function sortPairsDesc(ids: Int32Array, scores: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const id = ids[i]!;
    const s = scores[i]!;
    let j = i - 1;
    while (j >= 0 && (scores[j]! < s || (scores[j] === s && ids[j]! > id))) {
      ids[j + 1] = ids[j]!;
      scores[j + 1] = scores[j]!;
      j--;
    }
    ids[j + 1] = id;
    scores[j + 1] = s;
  }
}
