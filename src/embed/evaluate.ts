/**
 * Held-out evaluation: text → technique on TRAM test-split sentences (with the
 * BM25 baseline of the knowledge base's search on the same sentences) and
 * log → technique on the dev files of the labelled logs.
 */
import type { KnowledgeBase } from '../kb/index.js';
import type { TramSentence } from './data/tram.js';
import { featurize } from './features.js';
import { RetrievalScorer, type RetrievalMetrics } from './metrics.js';
import { LOG_TOWER, TEXT_TOWER, type EmbedModel } from './model.js';
import { rankTechniques } from './semantic-search.js';
import type { TechniqueRanker } from './ranker.js';
import type { VectorIndex } from './vector/vector-index.js';

/** Rank with the model; `index` holds technique texts (and procedures). */
export function evaluateText(model: EmbedModel, index: VectorIndex, items: readonly TramSentence[], top = 10): RetrievalMetrics {
  const scorer = new RetrievalScorer();
  const vec = new Float32Array(model.dim);
  for (const s of items) {
    model.encode(s.text, TEXT_TOWER, vec);
    scorer.add(rankTechniques(index, vec, { top }).map((m) => m.id), s.labels);
  }
  return scorer.result();
}

/** The learned text ranker (encoder scores, k-NN over the memory, BM25, combined with fitted weights). */
export function evaluateRanker(ranker: TechniqueRanker, items: readonly TramSentence[], top = 10): RetrievalMetrics {
  const scorer = new RetrievalScorer();
  for (const s of items) scorer.add(ranker.rank(s.text, top).map((m) => m.id), s.labels);
  return scorer.result();
}

/** The lexical baseline: `kb.search` (BM25F) on the same sentences. */
export function evaluateBm25(kb: KnowledgeBase, items: readonly TramSentence[], top = 10): RetrievalMetrics {
  const scorer = new RetrievalScorer();
  for (const s of items) scorer.add(kb.search(s.text, { top }).map((h) => h.id), s.labels);
  return scorer.result();
}

/**
 * Reciprocal-rank fusion of the encoder's ranking and BM25's (k = 60, the
 * usual constant): a technique's score is Σ 1/(60 + rank) over both lists.
 */
export function evaluateHybrid(model: EmbedModel, index: VectorIndex, kb: KnowledgeBase, items: readonly TramSentence[], top = 10): RetrievalMetrics {
  const scorer = new RetrievalScorer();
  const vec = new Float32Array(model.dim);
  for (const s of items) {
    model.encode(s.text, TEXT_TOWER, vec);
    const fused = new Map<string, number>();
    const addList = (ids: string[]) => ids.forEach((id, r) => fused.set(id, (fused.get(id) ?? 0) + 1 / (60 + r + 1)));
    addList(rankTechniques(index, vec, { top: 30 }).map((m) => m.id));
    addList(kb.search(s.text, { top: 30 }).map((h) => h.id));
    const ranked = [...fused.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
    scorer.add(ranked.slice(0, top), s.labels);
  }
  return scorer.result();
}

/** One labelled log file turned into sequence texts (see `sequenceText`). */
export interface LabelledLogFile {
  file: string;
  labels: string[];
  sequences: string[];
}

/**
 * File-level log → technique: each sequence of the file votes for techniques
 * by similarity; a technique's file score is its best sequence score. The
 * file's labels are the right answers.
 */
export function evaluateLogs(model: EmbedModel, index: VectorIndex, files: readonly LabelledLogFile[], top = 10): RetrievalMetrics {
  const scorer = new RetrievalScorer();
  const vec = new Float32Array(model.dim);
  for (const f of files) {
    const best = new Map<string, number>();
    for (const text of f.sequences) {
      model.encode(text, LOG_TOWER, vec);
      for (const m of rankTechniques(index, vec, { top })) if ((best.get(m.id) ?? -Infinity) < m.score) best.set(m.id, m.score);
    }
    const ranked = [...best.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
    scorer.add(ranked, f.labels);
  }
  return scorer.result();
}
