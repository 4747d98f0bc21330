/**
 * TRAM annotated reports (tram/tram2-annotated-reports.jsonl) split by
 * document with the SoK split (tram/sok-doc-split.json): training uses only
 * the train documents; evaluation only the test documents. Each labelled span
 * gives a sentence: the span widened to the sentence around it, labelled with
 * every technique whose span lies in that sentence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../common/errors.js';
import type { KnowledgeBase } from '../../kb/index.js';
import { hashString } from '../hash.js';
import { canonicalTechniques } from './labels.js';

/**
 * `train` and `test` are the SoK document split. `fit` and `val` cut the train
 * documents once more, by a stable hash of the file name: `val` documents are
 * never trained on; they choose the ranker's fusion weights and give the
 * per-epoch text dev metric. `fit` ∪ `val` = `train`.
 */
export type TramSplit = 'train' | 'test' | 'fit' | 'val';

/** Share of the train documents held out as `val`. */
export const TRAM_VAL_SHARE = 0.2;

export function tramValDocument(file: string): boolean {
  return hashString(file, 0x6a09e667) / 4294967296 < TRAM_VAL_SHARE;
}

export interface TramSentence {
  text: string;
  labels: string[];
  /** Report file (mjson/…) the sentence comes from. */
  file: string;
  start: number;
  end: number;
}

interface Span {
  start: number;
  end: number;
  technique_id: string | null;
}

/** Widest sentence kept around a span (characters each side). */
const MAX_CONTEXT = 300;

function sentenceBounds(text: string, start: number, end: number): [number, number] {
  let a = start;
  const minA = Math.max(0, start - MAX_CONTEXT);
  while (a > minA) {
    const c = text[a - 1]!;
    if (c === '\n' || ((c === ' ' || c === '\t') && /[.!?]/.test(text[a - 2] ?? ''))) break;
    a--;
  }
  let b = end;
  const maxB = Math.min(text.length, end + MAX_CONTEXT);
  while (b < maxB) {
    const c = text[b]!;
    if (c === '\n') break;
    if (/[.!?]/.test(c) && (b + 1 >= text.length || /\s/.test(text[b + 1]!))) {
      b++;
      break;
    }
    b++;
  }
  return [a, b];
}

export function readTramSplit(tramDir: string): { train: Set<string>; test: Set<string> } {
  const path = join(tramDir, 'sok-doc-split.json');
  let raw: { train?: { file: string }[]; test?: { file: string }[] };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw;
  } catch (e) {
    throw new UserError(`cannot read the TRAM split: ${(e as Error).message}`, { file: path });
  }
  return { train: new Set((raw.train ?? []).map((d) => d.file)), test: new Set((raw.test ?? []).map((d) => d.file)) };
}

/** The documents of one split. */
export function tramSplitFiles(tramDir: string, split: TramSplit): Set<string> {
  const { train, test } = readTramSplit(tramDir);
  if (split === 'test') return test;
  if (split === 'train') return train;
  return new Set([...train].filter((f) => tramValDocument(f) === (split === 'val')));
}

interface TramReport {
  file: string;
  title?: string;
  text: string;
  spans: Span[];
}

function readReports(tramDir: string): TramReport[] {
  const path = join(tramDir, 'tram2-annotated-reports.jsonl');
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').split('\n');
  } catch (e) {
    throw new UserError(`cannot read TRAM reports: ${(e as Error).message}`, { file: path });
  }
  const out: TramReport[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rep: TramReport;
    try {
      rep = JSON.parse(line) as TramReport;
    } catch {
      throw new UserError('bad JSON line in TRAM reports', { file: path, line: i + 1 });
    }
    if (typeof rep?.file !== 'string' || typeof rep.text !== 'string' || !Array.isArray(rep.spans)) {
      throw new UserError('TRAM report line lacks file, text or spans', { file: path, line: i + 1 });
    }
    out.push(rep);
  });
  return out;
}

/** Sentences of the reports in `split`, labels mapped onto the loaded ATT&CK. */
export function tramSentences(kb: KnowledgeBase, tramDir: string, split: TramSplit): TramSentence[] {
  const files = tramSplitFiles(tramDir, split);
  const out: TramSentence[] = [];
  for (const rep of readReports(tramDir)) {
    if (!files.has(rep.file)) continue;
    const bySentence = new Map<string, TramSentence>();
    for (const sp of rep.spans) {
      if (!sp.technique_id) continue;
      const [a, b] = sentenceBounds(rep.text, sp.start, sp.end);
      const key = `${a}:${b}`;
      let s = bySentence.get(key);
      if (!s) bySentence.set(key, (s = { text: rep.text.slice(a, b).trim(), labels: [], file: rep.file, start: a, end: b }));
      s.labels.push(sp.technique_id);
    }
    for (const s of [...bySentence.values()].sort((x, y) => x.start - y.start)) {
      s.labels = canonicalTechniques(kb, s.labels);
      if (s.labels.length > 0 && s.text.length > 0) out.push(s);
    }
  }
  return out;
}

/** Lowercase letters and digits, single spaces: what two copies of a sentence share whatever their layout. */
export function normalizeForMatch(text: string): string {
  let out = '';
  let space = false;
  for (const ch of text.toLowerCase()) {
    const c = ch.charCodeAt(0);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c > 127) {
      if (space && out.length) out += ' ';
      out += ch;
      space = false;
    } else space = true;
  }
  return out;
}

/** Words per shingle when checking a sentence against held-out documents. */
const SHINGLE_WORDS = 6;

/**
 * Detects text taken from a set of documents: a candidate leaks when any run
 * of 6 consecutive words (or the whole candidate, if shorter) occurs in them.
 */
export class LeakGuard {
  private readonly shingles = new Set<string>();
  private readonly joined: string;

  constructor(documents: readonly string[]) {
    const norm = documents.map(normalizeForMatch);
    this.joined = norm.join(' | ');
    for (const doc of norm) {
      const w = doc.split(' ');
      for (let i = 0; i + SHINGLE_WORDS <= w.length; i++) this.shingles.add(w.slice(i, i + SHINGLE_WORDS).join(' '));
    }
  }

  leaks(text: string): boolean {
    const norm = normalizeForMatch(text);
    const w = norm.split(' ');
    if (w.length < SHINGLE_WORDS) return norm.length > 0 && this.joined.includes(norm);
    for (let i = 0; i + SHINGLE_WORDS <= w.length; i++) if (this.shingles.has(w.slice(i, i + SHINGLE_WORDS).join(' '))) return true;
    return false;
  }
}

/** Normalised titles of documents (to match `single_label.json`'s `doc_title`). */
function titleKey(title: string): string {
  return normalizeForMatch(title).replace(/ /g, '');
}

/**
 * TRAM's sentence sets beside the reports — `single_label.json` (sentences of
 * the annotated reports, one label each) and `bootstrap-training-data.json`
 * (TRAM1 bootstrap sentences merged with TRAM2 annotations) — minus every
 * sentence from a document outside `allowed` (the test documents, and the
 * `val` documents while those are held out). Both files carry sentences of
 * the test reports, so each candidate is checked against the text of every
 * excluded report (`LeakGuard`), and single-label rows also by title.
 * Identical texts are merged (their labels united).
 */
export function tramExtraSentences(kb: KnowledgeBase, tramDir: string, allowed: TramSplit): { sentences: TramSentence[]; dropped: number } {
  const keep = tramSplitFiles(tramDir, allowed);
  const reports = readReports(tramDir);
  const excluded = reports.filter((r) => !keep.has(r.file));
  const guard = new LeakGuard(excluded.map((r) => r.text));
  const excludedTitles = new Set<string>();
  for (const r of excluded) {
    if (r.title) excludedTitles.add(titleKey(r.title));
    const first = r.text.split('\n', 1)[0] ?? '';
    if (first.startsWith('title:')) excludedTitles.add(titleKey(first.slice(6)));
  }
  const split = readTramSplitTitles(tramDir);
  for (const [file, title] of split) if (!keep.has(file)) excludedTitles.add(titleKey(title));

  const merged = new Map<string, { text: string; labels: Set<string>; file: string }>();
  let dropped = 0;
  const offer = (text: unknown, labels: unknown[], file: string, title?: unknown) => {
    if (typeof text !== 'string' || text.trim().length < 8) return;
    if (typeof title === 'string' && excludedTitles.has(titleKey(title))) return void dropped++;
    if (guard.leaks(text)) return void dropped++;
    const key = normalizeForMatch(text);
    let m = merged.get(key);
    if (!m) merged.set(key, (m = { text: text.trim(), labels: new Set(), file }));
    for (const l of labels) if (typeof l === 'string') m.labels.add(l);
  };
  const single = readJson(join(tramDir, 'single_label.json'));
  if (Array.isArray(single)) for (const r of single as { text?: unknown; label?: unknown; doc_title?: unknown }[]) offer(r?.text, [r?.label], 'single_label.json', r?.doc_title);
  const boot = readJson(join(tramDir, 'bootstrap-training-data.json')) as { sentences?: { text?: unknown; mappings?: { attack_id?: unknown }[] }[] } | undefined;
  for (const r of boot?.sentences ?? []) offer(r?.text, (r?.mappings ?? []).map((m) => m?.attack_id), 'bootstrap-training-data.json');
  const sentences: TramSentence[] = [];
  for (const m of merged.values()) {
    const labels = canonicalTechniques(kb, m.labels);
    if (labels.length) sentences.push({ text: m.text, labels, file: m.file, start: 0, end: m.text.length });
  }
  return { sentences, dropped };
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    throw new UserError(`cannot read ${basename(path)}: ${(e as Error).message}`, { file: path });
  }
}

function readTramSplitTitles(tramDir: string): Map<string, string> {
  const raw = readJson(join(tramDir, 'sok-doc-split.json')) as { train?: { file: string; doc_title?: string }[]; test?: { file: string; doc_title?: string }[] } | undefined;
  const out = new Map<string, string>();
  for (const d of [...(raw?.train ?? []), ...(raw?.test ?? [])]) if (typeof d?.file === 'string' && typeof d.doc_title === 'string') out.set(d.file, d.doc_title);
  return out;
}
