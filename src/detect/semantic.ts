/**
 * Semantic matching of behaviour sequences against the TTP index: the log
 * tower encodes the sequence, k-NN finds the nearest technique texts,
 * procedure examples and report procedures, and techniques are ranked by
 * their best entry. Real logs repeat the same behaviour again and again (the
 * same service starting, the same updater running), so results are cached
 * by the exact text the encoder reads: identical sequences are encoded and
 * searched once. With several worker threads, each worker hands the results
 * it computed to the others after each file (`takeLearned` / `learn`): a
 * result depends only on the text, so once it has arrived another worker
 * need not search that text again, and the output stays the same for any
 * number of threads.
 */
import type { KnowledgeBase } from '../kb/index.js';
import { LOG_TOWER, type EmbedModel } from '../embed/model.js';
import { encodeTechniqueIndex, rankTechniques, techniqueIndexItems } from '../embed/semantic-search.js';
import { cachedTechniqueIndex, type IndexCacheStats } from './index-cache.js';
import type { VectorIndex } from '../embed/vector/vector-index.js';
import type { IntelEntry } from './intel.js';
import { ProjectedSearch, type ProjectedState } from './projected-search.js';
import type { MatchEvidence } from './types.js';

/** One technique the nearest entries point at, before calibration. */
export interface RawCandidate {
  technique: string;
  cosine: number;
  evidence: MatchEvidence;
}

export interface SemanticMatcherOptions {
  /** Candidates kept per sequence (distinct techniques). Default 8. */
  candidates?: number;
  /** Cached distinct texts at most (oldest dropped first). Default 200,000. */
  cacheSize?: number;
  /** `projected` (default): two-pass search (see projected-search.ts); `exact`: brute force over every entry. */
  search?: 'projected' | 'exact';
  /** The projection another matcher over the same index computed (`projectedState`), shared instead of recomputed. */
  projected?: ProjectedState;
}

const EVIDENCE_TEXT = 200;
/** Texts encoded and searched together (see `matchMany`). */
const ENCODE_BATCH = 64;

export class SemanticMatcher {
  private readonly cache = new Map<string, RawCandidate[]>();
  /** Encoded queries of one batch. */
  private readonly vecs: Float32Array;
  readonly candidates: number;
  private readonly cacheSize: number;
  /** Texts encoded and searched (cache misses). */
  encoded = 0;
  /** Lookups (hits and misses). */
  lookups = 0;
  /** Results computed here since the last `takeLearned` (when sharing is on). */
  private learned: [string, RawCandidate[]][] | undefined;

  constructor(
    readonly model: EmbedModel,
    readonly index: VectorIndex,
    private readonly reports: ReadonlyMap<string, IntelEntry['report']> = new Map(),
    opts: SemanticMatcherOptions = {},
  ) {
    this.vecs = new Float32Array(ENCODE_BATCH * model.dim);
    this.candidates = Math.max(2, opts.candidates ?? 8);
    this.cacheSize = Math.max(1, opts.cacheSize ?? 200_000);
    this.projected = (opts.search ?? 'projected') === 'projected' && index.size > 0 ? new ProjectedSearch(index, opts.projected ? { state: opts.projected } : {}) : undefined;
  }

  private readonly projected: ProjectedSearch | undefined;

  /** Per encoded query the techniques nearest to it, best first, each with its best entry. */
  private rankAll(vecs: readonly Float32Array[]): { technique: string; score: number; id: string; source: string; text: string }[][] {
    const projected = this.projected;
    if (projected) {
      return projected.rankMany(vecs, this.candidates).map((list) =>
        list.map((r) => {
          const e = this.index.entry(r.row)!;
          return { technique: r.technique, score: r.score, id: e.id, source: e.meta.source, text: e.meta.text ?? '' };
        }),
      );
    }
    return vecs.map((vec) => rankTechniques(this.index, vec, { top: this.candidates }).map((m) => ({ technique: m.id, score: m.score, id: m.evidence.id, source: m.evidence.meta.source, text: m.evidence.meta.text ?? '' })));
  }

  /** The two-pass search's projection (shared memory), for matchers in worker threads. */
  projectedState(): ProjectedState | undefined {
    return this.projected?.state();
  }

  /** Keep the results this matcher computes, for `takeLearned` (on) or stop keeping them (off). */
  shareLearned(on = true): void {
    this.learned = on ? (this.learned ?? []) : undefined;
  }

  /** The results computed since the last call (for other workers' caches). */
  takeLearned(): [string, RawCandidate[]][] {
    const out = this.learned ?? [];
    if (this.learned) this.learned = [];
    return out;
  }

  /** Results another matcher over the same model and index computed. */
  learn(entries: readonly [string, RawCandidate[]][]): void {
    for (const [text, candidates] of entries) if (!this.cache.has(text)) this.remember(text, candidates);
  }

  /** Candidates for a sequence text (see `sequenceText`), best first. */
  match(text: string): RawCandidate[] {
    return this.matchMany([text])[0]!;
  }

  /**
   * `match` for many texts (a closed window's sequences): the texts not in
   * the cache are encoded and searched together, a batch at a time, so the
   * index is read from memory once per batch rather than once per text.
   */
  matchMany(texts: readonly string[]): RawCandidate[][] {
    const out: RawCandidate[][] = new Array(texts.length);
    const missing = new Map<string, number[]>();
    for (let i = 0; i < texts.length; i++) {
      this.lookups++;
      const text = texts[i]!;
      const hit = this.cache.get(text);
      if (hit) out[i] = hit;
      else {
        const at = missing.get(text);
        if (at) at.push(i);
        else missing.set(text, [i]);
      }
    }
    const todo = [...missing.keys()];
    const d = this.model.dim;
    for (let s = 0; s < todo.length; s += ENCODE_BATCH) {
      const part = todo.slice(s, s + ENCODE_BATCH);
      const vecs = part.map((text, k) => {
        const v = this.vecs.subarray(k * d, k * d + d);
        this.model.encode(text, LOG_TOWER, v);
        return v;
      });
      const ranked = this.rankAll(vecs);
      for (let k = 0; k < part.length; k++) {
        const text = part[k]!;
        const candidates = ranked[k]!.map((m): RawCandidate => {
          const report = this.reports.get(m.id);
          return {
            technique: m.technique,
            cosine: m.score,
            evidence: { entry: m.id, source: m.source, text: m.text.slice(0, EVIDENCE_TEXT), cosine: m.score, ...(report ? { report } : {}) },
          };
        });
        this.encoded++;
        this.remember(text, candidates);
        this.learned?.push([text, candidates]);
        for (const i of missing.get(text)!) out[i] = candidates;
      }
    }
    return out;
  }

  private remember(text: string, candidates: RawCandidate[]): void {
    if (this.cache.size >= this.cacheSize) {
      // drop the oldest quarter at once: cheap, and recent behaviour is what repeats
      let drop = this.cacheSize >> 2;
      for (const k of this.cache.keys()) {
        this.cache.delete(k);
        if (--drop <= 0) break;
      }
    }
    this.cache.set(text, candidates);
  }
}

/** The TTP index (technique texts, procedure examples, report intelligence) and a matcher over it. */
export interface BuildMatcherOptions extends SemanticMatcherOptions {
  /** Keep the encoded index in this cache folder (`index-cache.ts`); `modelHash` is the model's parameter SHA-256. */
  cache?: { dir: string; modelHash: string };
  /** Told whether the index came from the cache. */
  onIndexCache?: (stats: IndexCacheStats) => void;
}

export function buildMatcher(model: EmbedModel, kb: KnowledgeBase, intel: readonly IntelEntry[] = [], opts: BuildMatcherOptions = {}): SemanticMatcher {
  const items = techniqueIndexItems(kb, { extra: intel.map((e) => ({ id: e.id, text: e.text, technique: e.technique, source: 'report' })) });
  const reports = new Map(intel.map((e) => [e.id, e.report]));
  const { cache, onIndexCache, ...matcherOpts } = opts;
  if (!cache || items.length === 0 || (matcherOpts.search ?? 'projected') !== 'projected' || matcherOpts.projected) return new SemanticMatcher(model, encodeTechniqueIndex(model, items), reports, matcherOpts);
  const built = cachedTechniqueIndex(model, cache.modelHash, items, cache.dir);
  if (built.stats) onIndexCache?.(built.stats);
  return new SemanticMatcher(model, built.index, reports, { ...matcherOpts, ...(built.index.size > 0 ? { projected: built.projected } : {}) });
}
