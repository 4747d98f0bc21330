/**
 * TRAM annotated reports (tram/tram2-annotated-reports.jsonl) split by
 * document with the SoK split (tram/sok-doc-split.json): training uses only
 * the train documents; evaluation only the test documents. Each labelled span
 * gives a sentence: the span widened to the sentence around it, labelled with
 * every technique whose span lies in that sentence.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors.js';
import type { KnowledgeBase } from '../../kb/index.js';
import { canonicalTechniques } from './labels.js';

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

/** Sentences of the reports in `split` (train or test), labels mapped onto the loaded ATT&CK. */
export function tramSentences(kb: KnowledgeBase, tramDir: string, split: 'train' | 'test'): TramSentence[] {
  const files = readTramSplit(tramDir)[split];
  const path = join(tramDir, 'tram2-annotated-reports.jsonl');
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').split('\n');
  } catch (e) {
    throw new UserError(`cannot read TRAM reports: ${(e as Error).message}`, { file: path });
  }
  const out: TramSentence[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rep: { file: string; text: string; spans: Span[] };
    try {
      rep = JSON.parse(line) as typeof rep;
    } catch {
      throw new UserError('bad JSON line in TRAM reports', { file: path, line: i + 1 });
    }
    if (!files.has(rep.file)) return;
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
  });
  return out;
}
