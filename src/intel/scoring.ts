/**
 * Scoring units and their classifier scores. The units are the report's
 * sentences (unit j = sentence j) followed by its command-like inline code
 * spans (`whoami /all` inside a prose sentence), which are scored on their
 * own as commands so a sentence listing several commands can support several
 * techniques. `SentenceScores` holds one row per unit.
 */
import type { Range, ReportText, Sentence } from '../text/index.js';
import { looksLikeCommand } from '../text/index.js';
import type { SentenceScores } from './aggregate.js';
import type { TechniqueClassifier } from './classifier.js';
import { sentenceShape, textShape, type TechniqueNames } from './shape.js';

/** Fewest words for a sentence to count as prose (not a fragment, cell or label). */
const PROSE_WORDS = 7;
/** Most inline-command units per report (hostile input guard). */
const MAX_INLINE_UNITS = 2000;
/**
 * Most sentences scored per report. A long report has a few thousand; the
 * score matrix costs 4 bytes per sentence and label (~700), so a hostile
 * 50 MB page of 470k sentences would need 1.3 GB and minutes. Beyond this the
 * rest of the report is not scored and `scoredSentences` says so.
 */
export const MAX_SCORED_SENTENCES = 20_000;
/** Most word-window units per report (a few thousand in a long report), for the same reason. */
export const MAX_WINDOW_UNITS = 20_000;
/** Most scoring units of any report: the score matrix stays under ~130 MB with ~700 labels. */
export const MAX_UNITS = MAX_SCORED_SENTENCES + MAX_WINDOW_UNITS + MAX_INLINE_UNITS;

export interface ScoringUnit extends Range {
  /** The sentence the unit is (or lies in). */
  sentence: number;
  kind: 'sentence' | 'inline-command' | 'window';
}

/** Word windows of long prose sentences: size, stride, and the fewest words a sentence needs to get them. */
export interface WindowOptions {
  words: number;
  stride: number;
  minWords: number;
}

/**
 * TRAM's gold spans are phrases (median ~8 words) inside sentences of 30+
 * words; a linear model over a whole long sentence dilutes them, so long
 * prose sentences are also scored as overlapping 12-word windows and a
 * window's score counts for its sentence. Measured by nested cross-validation
 * on the train reports (docs/intel.md): report-level micro-F1 +0.8 points.
 */
export const defaultWindows: WindowOptions = { words: 12, stride: 6, minWords: 18 };

/** Windows of `w.words` words every `w.stride` words over a prose sentence of at least `w.minWords` words. */
export function wordWindows(text: string, range: Range, w: WindowOptions): Range[] {
  const words: Range[] = [];
  const re = /\S+/g;
  const s = text.slice(range.start, range.end);
  for (let m = re.exec(s); m; m = re.exec(s)) words.push({ start: range.start + m.index, end: range.start + m.index + m[0].length });
  if (words.length < w.minWords) return [];
  const out: Range[] = [];
  for (let i = 0; i < words.length; i += w.stride) {
    const last = Math.min(words.length, i + w.words) - 1;
    out.push({ start: words[i]!.start, end: words[last]!.end });
    if (last === words.length - 1) break;
  }
  return out;
}

/** Shape terms of a word window: its own text shape plus its sentence's kind and section (training and scoring alike). */
export function windowShape(report: ReportText, s: Sentence, text: string, names?: TechniqueNames): string[] {
  const context = sentenceShape(report, s, names).filter((t) => t.startsWith('@section:') || t.startsWith('@kind:'));
  return [...textShape(text, names), ...context];
}

/** Is sentence `s` prose that gets word windows (prose, list items, quotes)? */
export function windowedKind(s: Sentence): boolean {
  return s.kind === 'prose' || s.kind === 'list-item' || s.kind === 'quote';
}

/** How many of the report's sentences are scored (all but the tail of a giant report). */
export function scoredSentenceCount(report: ReportText, max = MAX_SCORED_SENTENCES): number {
  return Math.min(report.sentences.length, max);
}

/** `windows: false` scores sentences (and inline commands) only, as models built before windows were. */
export function scoringUnits(report: ReportText, max = MAX_SCORED_SENTENCES, windows: WindowOptions | false = defaultWindows): ScoringUnit[] {
  const n = scoredSentenceCount(report, max);
  const units: ScoringUnit[] = report.sentences.slice(0, n).map((s, j) => ({ start: s.start, end: s.end, sentence: j, kind: 'sentence' }));
  if (windows) {
    let count = 0;
    for (let j = 0; j < n && count < MAX_WINDOW_UNITS; j++) {
      const s = report.sentences[j]!;
      if (!windowedKind(s)) continue;
      for (const r of wordWindows(report.text, s, windows)) {
        if (count++ >= MAX_WINDOW_UNITS) break;
        units.push({ ...r, sentence: j, kind: 'window' });
      }
    }
  }
  let j = 0;
  let extra = 0;
  for (const c of report.inlineCode) {
    if (extra >= MAX_INLINE_UNITS) break;
    while (j < n && report.sentences[j]!.end <= c.start) j++;
    if (j >= n) break;
    const s = report.sentences[j];
    if (!s || c.start < s.start || c.end > s.end) continue;
    const text = report.text.slice(c.start, c.end).trim();
    if (text.length < 4 || !/\s/.test(text) || !looksLikeCommand(text)) continue;
    if (c.end - c.start >= 0.8 * (s.end - s.start)) continue; // the sentence is the command already
    units.push({ start: c.start, end: c.end, sentence: j, kind: 'inline-command' });
    extra++;
  }
  return units;
}

export function scoreSentences(clf: TechniqueClassifier, report: ReportText, names: TechniqueNames, units: ScoringUnit[] = scoringUnits(report)): SentenceScores & { units: ScoringUnit[] } {
  const K = clf.labels.length;
  const n = units.length;
  const probs = new Float32Array(n * K);
  const prose = new Uint8Array(n);
  const buf = new Float64Array(K);
  units.forEach((u, j) => {
    const text = report.text.slice(u.start, u.end);
    if (u.kind === 'sentence') {
      const s = report.sentences[u.sentence]!;
      clf.predict(text, sentenceShape(report, s, names), buf);
      const words = (text.match(/[A-Za-z]{2,}/g) ?? []).length;
      prose[j] = windowedKind(s) && words >= PROSE_WORDS ? 1 : 0;
    } else if (u.kind === 'window') {
      clf.predict(text, windowShape(report, report.sentences[u.sentence]!, text, names), buf);
      prose[j] = 1;
    } else {
      clf.predict(text, [...textShape(text, names), '@kind:command'], buf);
    }
    probs.set(buf, j * K);
  });
  return { labels: clf.labels, sentences: n, probs, prose, reportSentences: units.filter((u) => u.kind === 'sentence').length, units };
}
