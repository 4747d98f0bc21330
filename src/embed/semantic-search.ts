/**
 * Semantic technique search: encode a query with one tower, find the nearest
 * entries of a technique index (technique texts, procedure examples, report
 * intelligence…), and rank techniques by their best entry. The best entry is
 * returned as evidence.
 */
import { plainText, type KnowledgeBase } from '../kb/index.js';
import { featurize } from './features.js';
import { TEXT_TOWER, type EmbedModel, type Tower } from './model.js';
import { techniqueText } from './data/attack-texts.js';
import { VectorIndex, type IndexEntry, type Neighbour, type SearchFilter, type VectorIndexOptions } from './vector/vector-index.js';

export interface TechniqueMatch {
  /** Technique id. */
  id: string;
  /** Cosine similarity of the best entry of this technique. */
  score: number;
  /** The entry that gave the score. */
  evidence: Neighbour;
}

export interface SemanticSearchOptions {
  top?: number;
  /** Which tower encodes the query: text (default) or log (a behaviour sequence rendered by `sequenceText`). */
  tower?: Tower;
  filter?: SearchFilter;
}

/** Rank techniques for a query: the nearest entries, grouped by technique (best entry wins). */
export function semanticSearch(model: EmbedModel, index: VectorIndex, query: string, opts: SemanticSearchOptions = {}): TechniqueMatch[] {
  const vec = new Float32Array(model.dim);
  model.encode(query, opts.tower ?? TEXT_TOWER, vec);
  return rankTechniques(index, vec, opts);
}

/** As `semanticSearch`, for a query already encoded. */
export function rankTechniques(index: VectorIndex, vec: Float32Array, opts: SemanticSearchOptions = {}): TechniqueMatch[] {
  const top = Math.max(1, opts.top ?? 10);
  const hits = index.search(vec, Math.min(index.size, Math.max(100, top * 20)), opts.filter);
  const best = new Map<string, TechniqueMatch>();
  for (const h of hits) {
    const t = h.meta.technique;
    if (!t || best.has(t)) continue;
    best.set(t, { id: t, score: h.score, evidence: h });
    if (best.size >= top) break;
  }
  return [...best.values()];
}

export interface TechniqueIndexOptions extends VectorIndexOptions {
  /** Add the procedure examples as entries (default true). */
  procedures?: boolean;
  /** Further texts with their technique (e.g. labelled report sentences). */
  extra?: { id: string; text: string; technique: string; source: string }[];
}

/** One entry of a technique index and the text it is encoded from. */
export interface TechniqueIndexItem {
  text: string;
  entry: IndexEntry;
}

/** What a technique index holds, in order, before encoding: cheap, so a cache can key on it (`src/detect/index-cache.ts`). */
export function techniqueIndexItems(kb: KnowledgeBase, opts: Pick<TechniqueIndexOptions, 'procedures' | 'extra'> = {}): TechniqueIndexItem[] {
  const items: TechniqueIndexItem[] = [];
  for (const t of kb.techniques) {
    const text = techniqueText(kb, t.id);
    if (text) items.push({ text, entry: { id: t.id, meta: { technique: t.id, tactics: t.tactics, platforms: t.platforms, source: 'technique', text: t.name } } });
  }
  if (opts.procedures ?? true) {
    for (const p of kb.procedures) {
      const t = kb.technique(p.techniqueId);
      const text = plainText(p.description);
      items.push({ text, entry: { id: p.stixId, meta: { technique: p.techniqueId, tactics: t?.tactics ?? [], platforms: t?.platforms ?? [], source: 'procedure', text: text.slice(0, 200) } } });
    }
  }
  for (const e of opts.extra ?? []) {
    const t = kb.technique(e.technique);
    items.push({ text: e.text, entry: { id: e.id, meta: { technique: e.technique, tactics: t?.tactics ?? [], platforms: t?.platforms ?? [], source: e.source, text: e.text.slice(0, 200) } } });
  }
  return items;
}

/** The items encoded with the text tower into an index. */
export function encodeTechniqueIndex(model: EmbedModel, items: readonly TechniqueIndexItem[], opts: VectorIndexOptions = {}): VectorIndex {
  const index = new VectorIndex(model.dim, opts);
  const vec = new Float32Array(model.dim);
  for (const { text, entry } of items) {
    model.encode(text, TEXT_TOWER, vec);
    index.add(vec, entry);
  }
  return index;
}

/** An index of technique texts (and procedure examples) encoded with the text tower. */
export function buildTechniqueIndex(model: EmbedModel, kb: KnowledgeBase, opts: TechniqueIndexOptions = {}): VectorIndex {
  return encodeTechniqueIndex(model, techniqueIndexItems(kb, opts), opts);
}
