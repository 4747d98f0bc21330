/**
 * Technique identification for one report: sentence scores from the
 * classifier, report-level scores from the aggregator, and the selected
 * techniques with their evidence sentences. Sub-techniques are reported
 * where their own score clears the threshold; otherwise the parent stands.
 */
import type { ReportText } from '../text/index.js';
import { isPseudoLabel, labelStats, type SentenceScores } from './aggregate.js';
import { MAX_SCORED_SENTENCES, scoreSentences, scoringUnits, type ScoringUnit } from './scoring.js';
import type { TechniqueNames } from './shape.js';
import type { TechniqueModel } from './technique-model.js';
import { parentOf } from './tram.js';

export interface SentenceEvidence {
  /** Scoring unit: sentence index, or an inline command (index ≥ the number of sentences; see `Identification.units`). Word windows are folded into their sentence. */
  sentence: number;
  score: number;
}

export interface IdentifiedTechnique {
  id: string;
  /** Calibrated report-level score in [0, 1]. */
  score: number;
  /** Best sentences first. */
  evidence: SentenceEvidence[];
}

export interface IdentifyOptions {
  /** Report-level threshold (default: the model's calibrated one). */
  threshold?: number;
  /** A sentence is evidence when its score is at least this and at least half the best one (default 0.3). */
  sentenceThreshold?: number;
  /** Most evidence sentences kept per technique (default 5). */
  maxEvidence?: number;
}

export interface Identification {
  techniques: IdentifiedTechnique[];
  scores: SentenceScores;
  /** What each row of `scores` is: the sentences, then inline commands. */
  units: ScoringUnit[];
  /** Report-level score of every classifier label. */
  reportScores: Float64Array;
}

export function identifyTechniques(model: TechniqueModel, report: ReportText, names: TechniqueNames, opts: IdentifyOptions = {}): Identification {
  const scores = scoreSentences(model.classifier, report, names, scoringUnits(report, MAX_SCORED_SENTENCES, model.windows ?? false));
  return selectTechniques(model, scores, scores.units, opts);
}

export function selectTechniques(model: TechniqueModel, scores: SentenceScores, units: ScoringUnit[], opts: IdentifyOptions = {}): Identification {
  const threshold = opts.threshold ?? model.aggregator.threshold;
  const sentenceThreshold = opts.sentenceThreshold ?? 0.3;
  const maxEvidence = opts.maxEvidence ?? 5;
  const reportScores = model.aggregator.scores(scores, model.relatedLabels());
  const labels = scores.labels;
  const K = labels.length;
  const stats = labelStats(scores);
  const selected = new Set<number>();
  for (let k = 0; k < K; k++) if (reportScores[k]! >= threshold && stats[k]!.best >= 0 && !isPseudoLabel(labels[k]!)) selected.add(k);
  // A selected parent whose selected children carry it is reported through them.
  const childSelected = new Set<string>();
  for (const k of selected) if (labels[k]!.includes('.')) childSelected.add(parentOf(labels[k]!));
  const techniques: IdentifiedTechnique[] = [];
  for (const k of selected) {
    const id = labels[k]!;
    if (!id.includes('.') && childSelected.has(id)) continue;
    const best = stats[k]!.top[0];
    const floor = Math.max(sentenceThreshold, 0.5 * best);
    // A word window stands for its sentence (the sentence's unit index is the sentence index): best score per sentence.
    const bestByUnit = new Map<number, number>();
    for (let j = 0; j < scores.sentences; j++) {
      const p = scores.probs[j * K + k]!;
      if (p < floor && j !== stats[k]!.best) continue;
      const u = units[j];
      const key = u?.kind === 'window' ? u.sentence : j;
      if (p > (bestByUnit.get(key) ?? -1)) bestByUnit.set(key, p);
    }
    const ev: SentenceEvidence[] = [...bestByUnit].map(([sentence, score]) => ({ sentence, score }));
    ev.sort((a, b) => b.score - a.score || a.sentence - b.sentence);
    techniques.push({ id, score: reportScores[k]!, evidence: ev.slice(0, maxEvidence) });
  }
  techniques.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return { techniques, scores, units, reportScores };
}
