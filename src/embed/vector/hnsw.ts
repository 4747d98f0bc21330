/**
 * HNSW (hierarchical navigable small world graph, Malkov & Yashunin) over
 * unit vectors with inner-product similarity. Levels are drawn from a seeded
 * generator, so the same inserts build the same graph. Level 0 keeps 2·M
 * links per node in one Int32Array; upper levels (few nodes) use small arrays.
 */
import { Rng } from '../rng.js';
import { PairHeap } from './heap.js';

export interface HnswOptions {
  /** Links per node on upper levels (level 0 keeps 2·M). Default 16. */
  m?: number;
  /** Candidate list size while building. Default 128. */
  efConstruction?: number;
  seed?: number;
}

export class Hnsw {
  readonly m: number;
  readonly m0: number;
  readonly efConstruction: number;
  private readonly mL: number;
  private readonly rng: Rng;
  private level0: Int32Array;
  private count0: Uint8Array;
  private upper: Map<number, number[][]> = new Map();
  private levels: Int8Array;
  private entry = -1;
  private maxLevel = -1;
  private visited: Uint32Array;
  private visitEpoch = 0;
  size = 0;
  private readonly candidates = new PairHeap(true);
  private readonly results = new PairHeap(false);

  constructor(
    private readonly vectors: () => Float32Array,
    readonly dim: number,
    capacity: number,
    opts: HnswOptions = {},
  ) {
    this.m = Math.max(2, opts.m ?? 16);
    this.m0 = this.m * 2;
    this.efConstruction = Math.max(this.m, opts.efConstruction ?? 128);
    this.mL = 1 / Math.log(this.m);
    this.rng = new Rng(opts.seed ?? 42);
    this.level0 = new Int32Array(capacity * this.m0);
    this.count0 = new Uint8Array(capacity);
    this.levels = new Int8Array(capacity);
    this.visited = new Uint32Array(capacity);
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

  private sim(a: number, q: Float32Array | Float64Array, qOff: number): number {
    const v = this.vectors();
    const d = this.dim;
    const base = a * d;
    let acc = 0;
    for (let j = 0; j < d; j++) acc += v[base + j]! * q[qOff + j]!;
    return acc;
  }

  private neighbours(node: number, level: number): ArrayLike<number> {
    if (level === 0) return this.level0.subarray(node * this.m0, node * this.m0 + this.count0[node]!);
    return this.upper.get(node)?.[level - 1] ?? [];
  }

  private setNeighbours(node: number, level: number, list: number[]): void {
    if (level === 0) {
      this.level0.set(list, node * this.m0);
      this.count0[node] = list.length;
    } else {
      this.upper.get(node)![level - 1] = list;
    }
  }

  private nextEpoch(): number {
    this.visitEpoch++;
    if (this.visitEpoch === 0xffffffff) {
      this.visited.fill(0);
      this.visitEpoch = 1;
    }
    return this.visitEpoch;
  }

  /** Beam search on one level; returns (id, sim) best first. */
  private searchLayer(q: Float32Array | Float64Array, qOff: number, entry: number, ef: number, level: number, allowed?: Uint8Array, wanted?: number): { id: number; score: number }[] {
    const epoch = this.nextEpoch();
    const cand = this.candidates;
    const res = this.results; // min-heap of kept results by similarity
    cand.clear();
    res.clear();
    const s0 = this.sim(entry, q, qOff);
    this.visited[entry] = epoch;
    cand.push(entry, s0);
    let kept = 0;
    if (!allowed || allowed[entry]) {
      res.push(entry, s0);
      kept++;
    }
    const limit = wanted ?? ef;
    while (cand.size > 0) {
      const c = cand.topId();
      const cs = cand.topKey();
      if (res.size >= limit && cs < res.topKey()) break;
      cand.pop();
      const nb = this.neighbours(c, level);
      for (let k = 0; k < nb.length; k++) {
        const n = nb[k]!;
        if (this.visited[n] === epoch) continue;
        this.visited[n] = epoch;
        const s = this.sim(n, q, qOff);
        if (res.size < limit || s > res.topKey()) {
          cand.push(n, s);
          if (!allowed || allowed[n]) {
            res.push(n, s);
            kept++;
            if (res.size > limit) res.pop();
          }
        }
      }
    }
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < res.size; i++) out.push({ id: res.ids[i]!, score: res.keys[i]! });
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }

  /** Neighbour selection heuristic: keep a candidate only if it is closer to the new node than to any kept one. */
  private select(cands: { id: number; score: number }[], max: number): number[] {
    const v = this.vectors();
    const kept: number[] = [];
    for (const c of cands) {
      if (kept.length >= max) break;
      let ok = true;
      for (const k of kept) {
        if (this.sim(c.id, v, k * this.dim) > c.score) {
          ok = false;
          break;
        }
      }
      if (ok) kept.push(c.id);
    }
    // top up with the nearest skipped ones so sparse regions stay connected
    if (kept.length < max) for (const c of cands) if (kept.length < max && !kept.includes(c.id)) kept.push(c.id);
    return kept;
  }

  /** Insert node `id` (its vector must already be in the matrix). Ids are dense: 0, 1, 2, … */
  insert(id: number): void {
    if (id >= this.levels.length) this.grow(Math.max(id + 1, this.levels.length * 2));
    const level = Math.min(32, Math.floor(-Math.log(Math.max(this.rng.next(), 1e-12)) * this.mL));
    this.levels[id] = level;
    this.count0[id] = 0;
    if (level > 0) this.upper.set(id, Array.from({ length: level }, () => []));
    this.size = Math.max(this.size, id + 1);
    if (this.entry < 0) {
      this.entry = id;
      this.maxLevel = level;
      return;
    }
    const v = this.vectors();
    const qOff = id * this.dim;
    let ep = this.entry;
    for (let l = this.maxLevel; l > level; l--) ep = this.greedy(v, qOff, ep, l);
    for (let l = Math.min(level, this.maxLevel); l >= 0; l--) {
      const found = this.searchLayer(v, qOff, ep, this.efConstruction, l);
      const max = l === 0 ? this.m0 : this.m;
      const chosen = this.select(found, this.m);
      this.setNeighbours(id, l, chosen);
      for (const n of chosen) {
        const cur = Array.from(this.neighbours(n, l));
        cur.push(id);
        if (cur.length > max) {
          const scored = cur.map((x) => ({ id: x, score: this.sim(x, v, n * this.dim) })).sort((a, b) => b.score - a.score || a.id - b.id);
          this.setNeighbours(n, l, this.select(scored, max));
        } else this.setNeighbours(n, l, cur);
      }
      ep = found[0]?.id ?? ep;
    }
    if (level > this.maxLevel) {
      this.maxLevel = level;
      this.entry = id;
    }
  }

  private greedy(q: Float32Array | Float64Array, qOff: number, start: number, level: number): number {
    let cur = start;
    let best = this.sim(cur, q, qOff);
    for (let changed = true; changed; ) {
      changed = false;
      const nb = this.neighbours(cur, level);
      for (let k = 0; k < nb.length; k++) {
        const s = this.sim(nb[k]!, q, qOff);
        if (s > best) {
          best = s;
          cur = nb[k]!;
          changed = true;
        }
      }
    }
    return cur;
  }

  /** k nearest by inner product; `ef` ≥ k trades speed for recall; `allowed` filters during the search. */
  search(query: ArrayLike<number>, k: number, ef = Math.max(64, k), allowed?: Uint8Array): { id: number; score: number }[] {
    if (this.entry < 0 || k <= 0) return [];
    const q = Float64Array.from(query as ArrayLike<number>);
    let ep = this.entry;
    for (let l = this.maxLevel; l > 0; l--) ep = this.greedy(q, 0, ep, l);
    return this.searchLayer(q, 0, ep, Math.max(ef, k), 0, allowed, Math.max(ef, k)).slice(0, k);
  }
}
