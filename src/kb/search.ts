/**
 * Lexical technique search: the baseline a learned encoder must beat.
 *
 * Two BM25F indexes over active techniques:
 * - a technique index, one document per technique with fields name, parent
 *   name, description, procedure examples and detection text (weighted);
 * - a sentence index, one document per description sentence and per
 *   procedure example, which supplies the best-matching snippet and an
 *   evidence score (the best single sentence) that is added to the technique
 *   score, so a technique with one sentence that matches the whole query
 *   beats one whose long text matches its words scattered.
 */
import { Bm25Builder, Bm25Index, type Bm25Snapshot } from './bm25.js';
import type { KnowledgeBase } from './knowledge-base.js';
import { plainText, sentences } from './markdown.js';
import { tokenize } from './tokenize.js';

export interface TechniqueSearchOptions {
  /** How many results (default 10). */
  top?: number;
  /** Only techniques of this tactic (id, shortname or name). */
  tactic?: string;
  /** Only techniques on this platform (case-insensitive, e.g. `windows`). */
  platform?: string;
}

export interface Snippet {
  text: string;
  /** Where the sentence comes from. */
  source: 'description' | 'procedure' | 'name';
  /** For a procedure: the group, software or campaign id and name. */
  sourceId?: string;
  sourceName?: string;
}

export interface TechniqueHit {
  id: string;
  name: string;
  tactics: string[];
  score: number;
  snippet: Snippet;
}

/** Field weights and mixing, fixed here (not per query) and documented in ARCHITECTURE.md. */
export const SEARCH_PARAMS: {
  k1: number;
  fields: { name: string; weight: number; b: number }[];
  sentenceB: number;
  sentenceWeight: number;
  secondSentenceWeight: number;
  bigrams: 'none' | 'sentences' | 'all';
  maxQueryChars: number;
} = {
  k1: 2.0,
  fields: [
    { name: 'name', weight: 4, b: 0.3 },
    { name: 'parent', weight: 1.5, b: 0.3 },
    { name: 'description', weight: 1, b: 0.75 },
    { name: 'procedures', weight: 0.6, b: 0.75 },
    { name: 'detection', weight: 0.3, b: 0.75 },
  ],
  /** Length normalisation of the sentence index. */
  sentenceB: 0.75,
  /** Weight of the best sentence's score added to the technique score. */
  sentenceWeight: 0.5,
  /** Weight of the second-best sentence's score (a second independent witness). */
  secondSentenceWeight: 0.25,
  /** Add adjacent-word pairs as extra terms (phrase evidence): 'none', 'sentences' or 'all'. */
  bigrams: 'none',
  /** Longest query we tokenize (characters); the rest is ignored. */
  maxQueryChars: 4096,
};

/** Bump when tokenize.ts, the stemmer or the snapshot layout changes (the cache key also holds SEARCH_PARAMS). */
export const SEARCH_FORMAT = 2;

export interface TechniqueSearchSnapshot {
  format: number;
  techniqueIds: string[];
  techniques: Bm25Snapshot;
  sentences: Bm25Snapshot;
  /** Per sentence: technique doc number. */
  sentenceTechnique: Uint32Array;
  sentenceText: string[];
  /** Per sentence: procedure number in kb.procedures, or -1 for a description sentence. */
  sentenceProcedure: Int32Array;
}

export class TechniqueSearch {
  private readonly kb: KnowledgeBase;
  private readonly snap: TechniqueSearchSnapshot;
  private readonly techIndex: Bm25Index;
  private readonly sentIndex: Bm25Index;
  /** Sentence numbers per technique doc. */
  private readonly sentencesOf: Uint32Array[];

  private constructor(kb: KnowledgeBase, snap: TechniqueSearchSnapshot) {
    this.kb = kb;
    this.snap = snap;
    this.techIndex = Bm25Index.fromSnapshot(snap.techniques, tokenizeQuery);
    this.sentIndex = Bm25Index.fromSnapshot(snap.sentences, tokenizeQuery);
    const lists: number[][] = snap.techniqueIds.map(() => []);
    snap.sentenceTechnique.forEach((t, s) => lists[t]!.push(s));
    this.sentencesOf = lists.map((l) => Uint32Array.from(l));
  }

  /** Build both indexes from the knowledge base (about a second on ATT&CK Enterprise). */
  static build(kb: KnowledgeBase): TechniqueSearch {
    const techs = kb.techniques;
    const docIndex = new Map(techs.map((t, i) => [t.id, i]));
    const procNumber = new Map(kb.procedures.map((p, i) => [p, i]));
    const techBuilder = new Bm25Builder(SEARCH_PARAMS.fields, { k1: SEARCH_PARAMS.k1 });
    const sentBuilder = new Bm25Builder([{ name: 'text', weight: 1, b: SEARCH_PARAMS.sentenceB }], { k1: SEARCH_PARAMS.k1 });
    const sentenceTechnique: number[] = [];
    const sentenceText: string[] = [];
    const sentenceProcedure: number[] = [];
    // Each sentence is tokenized once: its tokens feed the sentence index and the technique's field.
    const addSentence = (doc: number, text: string, proc: number): string[] => {
      const tokens = tokenizeQuery(text);
      sentBuilder.addTokens({ text: SEARCH_PARAMS.bigrams === 'none' ? tokens : withBigrams(tokens) });
      sentenceTechnique.push(doc);
      sentenceText.push(text);
      sentenceProcedure.push(proc);
      return tokens;
    };
    for (const t of techs) {
      const doc = docIndex.get(t.id)!;
      const descriptionTokens = sentences(plainText(t.description)).flatMap((s) => addSentence(doc, s, -1));
      const procedureTokens = kb.proceduresFor(t.id).flatMap((p) => addSentence(doc, plainText(p.description), procNumber.get(p)!));
      const detection = kb
        .detectionsFor(t.id)
        .flatMap((c) => [c.strategy.name, ...c.analytics.flatMap((a) => [a.description, ...a.logSources.map((l) => `${l.name} ${l.channel ?? ''}`)])]);
      const parent = t.parent ? kb.technique(t.parent)?.name : undefined;
      const bi = SEARCH_PARAMS.bigrams === 'all' ? withBigrams : (x: string[]) => x;
      techBuilder.addTokens({
        name: bi(tokenizeQuery(t.name)),
        parent: parent ? bi(tokenizeQuery(parent)) : [],
        description: bi(descriptionTokens),
        procedures: bi(procedureTokens),
        detection: tokenizeQuery(detection.join('\n')),
      });
    }
    return new TechniqueSearch(kb, {
      format: SEARCH_FORMAT,
      techniqueIds: techs.map((t) => t.id),
      techniques: techBuilder.build().toSnapshot(),
      sentences: sentBuilder.build().toSnapshot(),
      sentenceTechnique: Uint32Array.from(sentenceTechnique),
      sentenceText,
      sentenceProcedure: Int32Array.from(sentenceProcedure),
    });
  }

  static fromSnapshot(kb: KnowledgeBase, snap: TechniqueSearchSnapshot): TechniqueSearch {
    if (snap.format !== SEARCH_FORMAT) throw new Error(`unsupported search snapshot format ${String(snap.format)}`);
    return new TechniqueSearch(kb, snap);
  }

  toSnapshot(): TechniqueSearchSnapshot {
    return this.snap;
  }

  search(query: string, opts: TechniqueSearchOptions = {}): TechniqueHit[] {
    const top = Math.max(0, Math.floor(opts.top ?? 10));
    const tokens = tokenizeQuery(query.slice(0, SEARCH_PARAMS.maxQueryChars));
    if (tokens.length === 0 || top === 0) return [];
    const allowed = this.allowedDocs(opts);
    const n = this.snap.techniqueIds.length;
    const combined = new Float64Array(n);
    const bigramTokens = SEARCH_PARAMS.bigrams === 'none' ? tokens : withBigrams(tokens);
    this.techIndex.forEachScore(SEARCH_PARAMS.bigrams === 'all' ? bigramTokens : tokens, (doc, score) => (combined[doc] = score));
    // Best sentence per technique: evidence score and snippet.
    const bestSentence = new Int32Array(n).fill(-1);
    const bestSentenceScore = new Float64Array(n);
    const secondSentenceScore = new Float64Array(n);
    const sentenceTechnique = this.snap.sentenceTechnique;
    this.sentIndex.forEachScore(bigramTokens, (doc, score) => {
      const t = sentenceTechnique[doc]!;
      if (score > bestSentenceScore[t]!) {
        secondSentenceScore[t] = bestSentenceScore[t]!;
        bestSentenceScore[t] = score;
        bestSentence[t] = doc;
      } else if (score > secondSentenceScore[t]!) secondSentenceScore[t] = score;
    });
    const order: number[] = [];
    for (let d = 0; d < n; d++) {
      combined[d]! += SEARCH_PARAMS.sentenceWeight * bestSentenceScore[d]! + SEARCH_PARAMS.secondSentenceWeight * secondSentenceScore[d]!;
      if (combined[d]! > 0 && (!allowed || allowed[d])) order.push(d);
    }
    order.sort((a, b) => combined[b]! - combined[a]! || a - b);
    return order.slice(0, top).map((d) => this.hit(d, combined[d]!, bestSentence[d]!));
  }

  private hit(doc: number, score: number, sentence: number): TechniqueHit {
    const t = this.kb.technique(this.snap.techniqueIds[doc]!)!;
    let snippet: Snippet;
    if (sentence >= 0) {
      const proc = this.snap.sentenceProcedure[sentence]!;
      const p = proc >= 0 ? this.kb.procedures[proc] : undefined;
      snippet = p
        ? { text: this.snap.sentenceText[sentence]!, source: 'procedure', sourceId: p.sourceId, sourceName: p.sourceName }
        : { text: this.snap.sentenceText[sentence]!, source: 'description' };
    } else {
      const first = this.sentencesOf[doc]?.[0];
      snippet = first !== undefined && this.snap.sentenceProcedure[first] === -1 ? { text: this.snap.sentenceText[first]!, source: 'description' } : { text: t.name, source: 'name' };
    }
    return { id: t.id, name: t.name, tactics: t.tactics, score: Math.round(score * 1000) / 1000, snippet };
  }

  private allowedDocs(opts: TechniqueSearchOptions): Uint8Array | undefined {
    if (!opts.tactic && !opts.platform) return undefined;
    const tactic = opts.tactic ? this.kb.tactic(opts.tactic)?.shortname ?? `\u0000${opts.tactic}` : undefined;
    const platform = opts.platform?.trim().toLowerCase();
    const out = new Uint8Array(this.snap.techniqueIds.length);
    this.snap.techniqueIds.forEach((id, d) => {
      const t = this.kb.technique(id);
      if (!t) return;
      if (tactic && !t.tactics.includes(tactic)) return;
      if (platform && !t.platforms.some((p) => p.toLowerCase() === platform)) return;
      out[d] = 1;
    });
    return out;
  }
}

function tokenizeQuery(text: string): string[] {
  return tokenize(text);
}

/** `tokens` plus `a b` pairs of neighbouring tokens (a space never occurs inside a token, so pairs cannot collide with words). */
export function withBigrams(tokens: readonly string[]): string[] {
  const out = tokens.slice();
  for (let i = 1; i < tokens.length; i++) out.push(`${tokens[i - 1]} ${tokens[i]}`);
  return out;
}
