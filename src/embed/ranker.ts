/**
 * Text → technique ranking with a learned combination of evidence. For a
 * query sentence (text tower), every technique gets a few scores:
 *
 * - `technique`: cosine to the technique's own text;
 * - `procedureMax`: the best cosine among its ATT&CK procedure examples;
 * - `memoryMax` / `memoryVote`: the best cosine among the labelled report
 *   sentences the model was trained with (the ranker's memory: TRAM
 *   train-split sentences), and the technique's share of a softmax-weighted
 *   vote of the k nearest of them (k-NN);
 * - `bm25`: the lexical score of `kb.search`, divided by the query's best.
 *
 * (A k-NN vote over procedure examples and a label-frequency prior were
 * tried as further scores; on held-out train documents neither helped, so
 * neither is used.)
 *
 * A technique's score is w · features. The weights are fitted by softmax
 * regression on sentences of held-out train documents (TRAM `val`), never on
 * test documents, and stored in the model file with the memory. Ranking
 * scores a shortlist: the union of the best techniques by each score.
 */
import { UserError } from '../common/errors.js';
import type { KnowledgeBase } from '../kb/index.js';
import { plainText } from '../kb/index.js';
import { techniqueText } from './data/attack-texts.js';
import { TEXT_TOWER, type EmbedModel } from './model.js';

export const RANKER_FEATURES = ['technique', 'procedureMax', 'memoryMax', 'memoryVote', 'bm25'] as const;
export type RankerFeature = (typeof RANKER_FEATURES)[number];

/** A labelled sentence of the ranker's memory. */
export interface MemoryEntry {
  text: string;
  labels: string[];
}

export interface RankerParams {
  /** One weight per `RANKER_FEATURES` entry. */
  weights: number[];
  /** Neighbours in the k-NN votes. */
  k: number;
  /** Softmax temperature of the votes (on cosines). */
  tau: number;
  /** Techniques taken from each score's top into the shortlist. */
  shortlist: number;
}

export const defaultRankerShape: Omit<RankerParams, 'weights'> = { k: 24, tau: 0.05, shortlist: 40 };

/** Where a technique's score came from: the strongest single piece of evidence. */
export interface RankerEvidence {
  source: 'technique' | 'procedure' | 'memory' | 'bm25';
  text: string;
  cosine: number;
}

export interface RankedTechnique {
  id: string;
  score: number;
  features: Record<RankerFeature, number>;
  evidence: RankerEvidence;
}

/** Candidates of one query: technique indexes and their feature rows (n × F). */
export interface CandidateSet {
  techs: Int32Array;
  features: Float64Array;
}

const F = RANKER_FEATURES.length;
const BM25_TOP = 50;

/** Encoded entries of one kind with their technique indexes (a row may carry several). */
interface EntryGroup {
  matrix: Float32Array;
  rows: number;
  labels: Int32Array[];
  texts: string[];
}

export class TechniqueRanker {
  readonly techniqueIds: string[];
  private readonly techIndex: Map<string, number>;
  private readonly techniques: EntryGroup;
  private readonly procedures: EntryGroup;
  private readonly memory: EntryGroup;
  private readonly vec: Float32Array;

  constructor(
    readonly model: EmbedModel,
    readonly kb: KnowledgeBase,
    memory: readonly MemoryEntry[],
    readonly params: RankerParams,
  ) {
    if (params.weights.length !== F) throw new Error(`ranker needs ${F} weights, got ${params.weights.length}`);
    this.techniqueIds = kb.techniques.map((t) => t.id).sort();
    this.techIndex = new Map(this.techniqueIds.map((t, i) => [t, i]));
    this.vec = new Float32Array(model.dim);
    this.techniques = this.encodeGroup(this.techniqueIds.map((id) => ({ text: techniqueText(kb, id) ?? id, labels: [id] })));
    this.procedures = this.encodeGroup(kb.procedures.map((p) => ({ text: plainText(p.description), labels: [p.techniqueId] })));
    this.memory = this.encodeGroup(memory);
  }

  private encodeGroup(entries: readonly MemoryEntry[]): EntryGroup {
    const d = this.model.dim;
    const kept = entries
      .map((e) => ({ text: e.text, labels: Int32Array.from(e.labels.map((l) => this.techIndex.get(l)).filter((i): i is number => i !== undefined)) }))
      .filter((e) => e.labels.length > 0 && e.text.length > 0);
    const matrix = new Float32Array(kept.length * d);
    kept.forEach((e, i) => this.model.encode(e.text, TEXT_TOWER, matrix, i * d));
    return { matrix, rows: kept.length, labels: kept.map((e) => e.labels), texts: kept.map((e) => e.text) };
  }

  get memorySize(): number {
    return this.memory.rows;
  }

  /**
   * Features of the shortlisted techniques for one query, and the evidence
   * behind them. With `allowed` (per technique index) the candidates are
   * exactly the allowed techniques.
   */
  candidates(query: string, allowed?: Uint8Array): CandidateSet & { evidence: Map<number, RankerEvidence> } {
    const T = this.techniqueIds.length;
    const q = this.vec;
    this.model.encode(query, TEXT_TOWER, q);
    const feat = new Float64Array(T * F);
    const evidence = new Map<number, RankerEvidence>();
    const shortlist = new Set<number>();

    const tech = scores(this.techniques, q);
    for (let t = 0; t < T; t++) feat[t * F + 0] = tech[t]!;
    for (const t of topIndexes(tech, this.params.shortlist)) shortlist.add(t);

    // [group, column of its max score, column of its vote or -1]
    const groups: [EntryGroup, number, number, 'procedure' | 'memory'][] = [
      [this.procedures, 1, -1, 'procedure'],
      [this.memory, 2, 3, 'memory'],
    ];
    for (const [g, col, voteCol, source] of groups) {
      const s = scores(g, q);
      const best = new Float64Array(T).fill(-Infinity);
      const bestRow = new Int32Array(T).fill(-1);
      for (let r = 0; r < g.rows; r++) {
        const v = s[r]!;
        for (const t of g.labels[r]!) if (v > best[t]!) ((best[t] = v), (bestRow[t] = r));
      }
      let floor = Infinity;
      for (let t = 0; t < T; t++) if (best[t]! > -Infinity && best[t]! < floor) floor = best[t]!;
      if (floor === Infinity) floor = 0;
      for (let t = 0; t < T; t++) feat[t * F + col] = best[t]! > -Infinity ? best[t]! : floor;
      const near = voteCol >= 0 ? topIndexes(s, this.params.k) : [];
      if (near.length) {
        const top = s[near[0]!]!;
        let z = 0;
        const w = near.map((r) => Math.exp((s[r]! - top) / this.params.tau));
        for (const x of w) z += x;
        near.forEach((r, i) => {
          for (const t of g.labels[r]!) {
            feat[t * F + voteCol]! += w[i]! / z;
            shortlist.add(t);
          }
        });
      }
      for (const t of topIndexes(best, this.params.shortlist)) if (best[t]! > -Infinity) shortlist.add(t);
      for (let t = 0; t < T; t++) if (bestRow[t]! >= 0) this.offerEvidence(evidence, t, source, g.texts[bestRow[t]!]!, best[t]!);
    }
    for (let t = 0; t < T; t++) this.offerEvidence(evidence, t, 'technique', this.kb.technique(this.techniqueIds[t]!)?.name ?? '', tech[t]!);

    const hits = this.kb.search(query, { top: BM25_TOP });
    const maxBm25 = hits[0]?.score ?? 0;
    for (const h of hits) {
      const t = this.techIndex.get(h.id);
      if (t === undefined || maxBm25 <= 0) continue;
      feat[t * F + 4] = h.score / maxBm25;
      shortlist.add(t);
      if (!evidence.has(t)) evidence.set(t, { source: 'bm25', text: h.snippet.text, cosine: tech[t]! });
    }

    const chosen = allowed ? [...allowed.keys()].filter((t) => allowed[t]) : [...shortlist].sort((a, b) => a - b);
    const techs = Int32Array.from(chosen);
    const features = new Float64Array(techs.length * F);
    techs.forEach((t, i) => features.set(feat.subarray(t * F, t * F + F), i * F));
    return { techs, features, evidence };
  }

  private offerEvidence(map: Map<number, RankerEvidence>, t: number, source: RankerEvidence['source'], text: string, cosine: number): void {
    const cur = map.get(t);
    if (!cur || cosine > cur.cosine) map.set(t, { source, text, cosine });
  }

  /** The techniques for a query, best first, optionally only those of a tactic or platform. */
  rank(query: string, top = 10, filter: { tactic?: string; platform?: string } = {}): RankedTechnique[] {
    const { techs, features, evidence } = this.candidates(query, this.allowed(filter));
    const scored = scoreCandidates({ techs, features }, this.params.weights);
    return scored.slice(0, top).map(({ t, score, row }) => ({
      id: this.techniqueIds[t]!,
      score,
      features: Object.fromEntries(RANKER_FEATURES.map((f, j) => [f, features[row * F + j]!])) as Record<RankerFeature, number>,
      evidence: evidence.get(t) ?? { source: 'technique', text: '', cosine: 0 },
    }));
  }

  private allowed(filter: { tactic?: string; platform?: string }): Uint8Array | undefined {
    if (!filter.tactic && !filter.platform) return undefined;
    const tactic = filter.tactic ? (this.kb.tactic(filter.tactic)?.shortname ?? `\u0000${filter.tactic}`) : undefined;
    const platform = filter.platform?.trim().toLowerCase();
    return Uint8Array.from(this.techniqueIds, (id) => {
      const t = this.kb.technique(id);
      if (!t || (tactic && !t.tactics.includes(tactic))) return 0;
      return platform && !t.platforms.some((p) => p.toLowerCase() === platform) ? 0 : 1;
    });
  }

  /** Technique ids ranked for a candidate set with given weights (evaluation and fitting). */
  rankIds(c: CandidateSet, weights: readonly number[]): string[] {
    return scoreCandidates(c, weights).map((x) => this.techniqueIds[x.t]!);
  }

  techniqueIndex(id: string): number | undefined {
    return this.techIndex.get(id);
  }
}

function scoreCandidates(c: CandidateSet, weights: readonly number[]): { t: number; score: number; row: number }[] {
  const out: { t: number; score: number; row: number }[] = [];
  for (let i = 0; i < c.techs.length; i++) {
    let s = 0;
    for (let j = 0; j < F; j++) s += weights[j]! * c.features[i * F + j]!;
    out.push({ t: c.techs[i]!, score: s, row: i });
  }
  return out.sort((a, b) => b.score - a.score || a.t - b.t);
}

/** Cosines of q against every row of a group. */
function scores(g: EntryGroup, q: Float32Array): Float64Array {
  const d = q.length;
  const out = new Float64Array(g.rows);
  const m = g.matrix;
  for (let r = 0; r < g.rows; r++) {
    const base = r * d;
    let a0 = 0;
    let a1 = 0;
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      a0 += m[base + j]! * q[j]!;
      a1 += m[base + j + 1]! * q[j + 1]!;
    }
    for (; j < d; j++) a0 += m[base + j]! * q[j]!;
    out[r] = a0 + a1;
  }
  return out;
}

/** Indexes of the k largest values, best first (ties by lower index). */
function topIndexes(values: Float64Array, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === -Infinity) continue;
    if (idx.length < k) {
      idx.push(i);
      if (idx.length === k) idx.sort((a, b) => values[b]! - values[a]! || a - b);
      continue;
    }
    const last = idx[k - 1]!;
    if (v > values[last]!) {
      let p = k - 1;
      while (p > 0 && (values[idx[p - 1]!]! < v || (values[idx[p - 1]!] === v && idx[p - 1]! > i))) {
        idx[p] = idx[p - 1]!;
        p--;
      }
      idx[p] = i;
    }
  }
  if (idx.length < k) idx.sort((a, b) => values[b]! - values[a]! || a - b);
  return idx;
}

/** One fitting sample: a query's candidates and which of them are right. */
export interface FitSample extends CandidateSet {
  positive: Uint8Array;
}

/**
 * Softmax regression over each query's shortlist: maximise log Σ_{right} p,
 * with a small L2 penalty, by full-batch Adam for a fixed number of steps
 * (deterministic). Queries whose shortlist holds no right answer are skipped.
 */
export function fitWeights(samples: readonly FitSample[], opts: { steps?: number; lr?: number; l2?: number; init?: number[] } = {}): { weights: number[]; loss: number } {
  const steps = opts.steps ?? 400;
  const lr = opts.lr ?? 0.05;
  const l2 = opts.l2 ?? 1e-4;
  const w = Float64Array.from(opts.init ?? [10, 2, 2, 1, 2]);
  const m = new Float64Array(F);
  const v = new Float64Array(F);
  const usable = samples.filter((s) => s.positive.some((x) => x === 1));
  let loss = 0;
  for (let step = 1; step <= steps; step++) {
    const g = new Float64Array(F);
    loss = 0;
    for (const s of usable) {
      const n = s.techs.length;
      const z = new Float64Array(n);
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        let a = 0;
        for (let j = 0; j < F; j++) a += w[j]! * s.features[i * F + j]!;
        z[i] = a;
        if (a > max) max = a;
      }
      let all = 0;
      let pos = 0;
      for (let i = 0; i < n; i++) {
        const e = Math.exp(z[i]! - max);
        z[i] = e;
        all += e;
        if (s.positive[i]) pos += e;
      }
      loss -= Math.log(pos / all);
      // d(-log pos/all)/dz_i = p_i - [pos_i] p_i / P
      for (let i = 0; i < n; i++) {
        const p = z[i]! / all;
        const q = s.positive[i] ? z[i]! / pos : 0;
        const coef = p - q;
        if (coef === 0) continue;
        for (let j = 0; j < F; j++) g[j]! += coef * s.features[i * F + j]!;
      }
    }
    const count = Math.max(1, usable.length);
    loss /= count;
    for (let j = 0; j < F; j++) {
      const gj = g[j]! / count + l2 * w[j]!;
      m[j] = 0.9 * m[j]! + 0.1 * gj;
      v[j] = 0.999 * v[j]! + 0.001 * gj * gj;
      w[j]! -= (lr * (m[j]! / (1 - 0.9 ** step))) / (Math.sqrt(v[j]! / (1 - 0.999 ** step)) + 1e-8);
    }
  }
  return { weights: Array.from(w, (x) => +x.toFixed(6)), loss };
}

/** Fitting samples for labelled sentences (the ranker's memory must not contain them). */
export function fitSamples(ranker: TechniqueRanker, items: readonly { text: string; labels: readonly string[] }[]): FitSample[] {
  return items.map((it) => {
    const c = ranker.candidates(it.text);
    const want = new Set(it.labels.map((l) => ranker.techniqueIndex(l)).filter((i): i is number => i !== undefined));
    const positive = new Uint8Array(c.techs.length);
    c.techs.forEach((t, i) => (positive[i] = want.has(t) ? 1 : 0));
    return { techs: c.techs, features: c.features, positive };
  });
}

/** The ranker stored in a model file, rebuilt over this knowledge base. */
export function rankerFromSpec(model: EmbedModel, kb: KnowledgeBase, spec: { features: string[]; weights: number[]; k: number; tau: number; shortlist: number; memory: MemoryEntry[] }, file = '<model>'): TechniqueRanker {
  if (spec.features.length !== F || spec.features.some((f, i) => f !== RANKER_FEATURES[i])) {
    throw new UserError(`model file's text ranker uses scores [${spec.features.join(', ')}], this ttpscope computes [${RANKER_FEATURES.join(', ')}]`, { file }, 'retrain with `ttpscope model train`');
  }
  return new TechniqueRanker(model, kb, spec.memory, { weights: spec.weights, k: spec.k, tau: spec.tau, shortlist: spec.shortlist });
}
