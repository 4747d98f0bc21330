/**
 * Scoring units and their classifier scores. The units are the report's
 * sentences (unit j = sentence j) followed by its command-like inline code
 * spans (`whoami /all` inside a prose sentence), which are scored on their
 * own as commands so a sentence listing several commands can support several
 * techniques. `SentenceScores` holds one row per unit.
 */
import type { Range, ReportText } from '../text/index.js';
import { looksLikeCommand } from '../text/index.js';
import type { SentenceScores } from './aggregate.js';
import type { TechniqueClassifier } from './classifier.js';
import { sentenceShape, textShape, type TechniqueNames } from './shape.js';

/** Fewest words for a sentence to count as prose (not a fragment, cell or label). */
const PROSE_WORDS = 7;
/** Most inline-command units per report (hostile input guard). */
const MAX_INLINE_UNITS = 2000;

export interface ScoringUnit extends Range {
  /** The sentence the unit is (or lies in). */
  sentence: number;
  kind: 'sentence' | 'inline-command';
}

export function scoringUnits(report: ReportText): ScoringUnit[] {
  const units: ScoringUnit[] = report.sentences.map((s, j) => ({ start: s.start, end: s.end, sentence: j, kind: 'sentence' }));
  let j = 0;
  let extra = 0;
  for (const c of report.inlineCode) {
    if (extra >= MAX_INLINE_UNITS) break;
    while (j < report.sentences.length && report.sentences[j]!.end <= c.start) j++;
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
      prose[j] = (s.kind === 'prose' || s.kind === 'list-item' || s.kind === 'quote') && words >= PROSE_WORDS ? 1 : 0;
    } else {
      clf.predict(text, [...textShape(text, names), '@kind:command'], buf);
    }
    probs.set(buf, j * K);
  });
  return { labels: clf.labels, sentences: n, probs, prose, reportSentences: report.sentences.length, units };
}
