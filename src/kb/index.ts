/** Public surface of the knowledge base. */
export { loadKnowledgeBase, loadKnowledgeBaseFromFile, loadKnowledgeBaseSync, lastLoad, SETUP_HINT, type LoadOptions, type LoadStats } from './load.js';
export { KnowledgeBase, type KbEntity, type KbKind, type LookupResult, type KbCounts, type DetectionChain } from './knowledge-base.js';
export { resolveAttackTag, type AttackTagResolution } from './tags.js';
export { TechniqueSearch, SEARCH_PARAMS, type TechniqueHit, type TechniqueSearchOptions, type Snippet } from './search.js';
export { Bm25Builder, Bm25Index, type Bm25Field, type Bm25Hit, type Bm25Options, type Bm25SearchOptions, type Bm25Snapshot } from './bm25.js';
export { tokenize, type TokenizeOptions } from './tokenize.js';
export { porterStem } from './porter-stemmer.js';
export { plainText, withFootnotes, citationNames, sentences, type Footnote } from './markdown.js';
export type * from './model.js';
