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
import { buildTechniqueIndex, rankTechniques } from '../embed/semantic-search.js';
import type { VectorIndex } from '../embed/vector/vector-index.js';
import type { IntelEntry } from './intel.js';
import { ProjectedSearch } from './projected-search.js';
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
}

const EVIDENCE_TEXT = 200;

export class SemanticMatcher {
  private readonly cache = new Map<string, RawCandidate[]>();
  private readonly vec: Float32Array;
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
    this.vec = new Float32Array(model.dim);
    this.candidates = Math.max(2, opts.candidates ?? 8);
    this.cacheSize = Math.max(1, opts.cacheSize ?? 200_000);
    this.projected = (opts.search ?? 'projected') === 'projected' && index.size > 0 ? new ProjectedSearch(index) : undefined;
  }

  private readonly projected: ProjectedSearch | undefined;

  /** Techniques nearest to an encoded query, best first, each with its best entry. */
  private rank(vec: Float32Array): { technique: string; score: number; id: string; source: string; text: string }[] {
    if (this.projected) {
      return this.projected.rank(vec, this.candidates).map((r) => {
        const e = this.index.entry(r.row)!;
        return { technique: r.technique, score: r.score, id: e.id, source: e.meta.source, text: e.meta.text ?? '' };
      });
    }
    return rankTechniques(this.index, vec, { top: this.candidates }).map((m) => ({ technique: m.id, score: m.score, id: m.evidence.id, source: m.evidence.meta.source, text: m.evidence.meta.text ?? '' }));
  }

  /** Keep the results this matcher computes, for `takeLearned`. */
  shareLearned(): void {
    this.learned ??= [];
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
    this.lookups++;
    const hit = this.cache.get(text);
    if (hit) return hit;
    this.encoded++;
    this.model.encode(text, LOG_TOWER, this.vec);
    const out = this.rank(this.vec).map((m): RawCandidate => {
      const report = this.reports.get(m.id);
      return {
        technique: m.technique,
        cosine: m.score,
        evidence: { entry: m.id, source: m.source, text: m.text.slice(0, EVIDENCE_TEXT), cosine: m.score, ...(report ? { report } : {}) },
      };
    });
    this.remember(text, out);
    this.learned?.push([text, out]);
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
export function buildMatcher(model: EmbedModel, kb: KnowledgeBase, intel: readonly IntelEntry[] = [], opts: SemanticMatcherOptions = {}): SemanticMatcher {
  const index = buildTechniqueIndex(model, kb, { extra: intel.map((e) => ({ id: e.id, text: e.text, technique: e.technique, source: 'report' })) });
  const reports = new Map(intel.map((e) => [e.id, e.report]));
  return new SemanticMatcher(model, index, reports, opts);
}
