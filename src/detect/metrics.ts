/**
 * File-level detection metrics. Labels are per file and most events are
 * background, so:
 *   recall     the file counts as found when a labelled technique (or its
 *              parent, or a sub-technique of it) is among the detections;
 *   hit@k      …among the k best-scored distinct techniques of the file;
 *   precision  detections (unit × technique) that match a label over all
 *              detections: the wrong ones sit on background events;
 *   alerts     units with at least one detection.
 * Tactic level: the same with the detections' tactics against the file's
 * tactic labels.
 */
import { techniqueMatches } from './techniques.js';

export interface FileDetection {
  unit: string;
  /** Empty for a rule tagged with tactics only (counts at tactic level only). */
  technique: string;
  tactics: readonly string[];
  score: number;
}

export interface FileLabels {
  techniques: readonly string[];
  tactics: readonly string[];
}

export interface FileMetrics {
  /** undefined when the file has no technique labels. */
  recall?: boolean;
  hit1?: boolean;
  hit3?: boolean;
  detections: number;
  correct: number;
  tacticRecall?: boolean;
  tacticDetections: number;
  tacticCorrect: number;
  alerts: number;
}

export function fileMetrics(labels: FileLabels, detections: readonly FileDetection[]): FileMetrics {
  const m: FileMetrics = { detections: 0, correct: 0, tacticDetections: 0, tacticCorrect: 0, alerts: new Set(detections.map((d) => d.unit)).size };
  const hasTech = labels.techniques.length > 0;
  const hasTactic = labels.tactics.length > 0;
  const best = new Map<string, number>();
  let techFound = false;
  let tacticFound = false;
  for (const d of detections) {
    if (d.technique) {
      m.detections++;
      const ok = labels.techniques.some((l) => techniqueMatches(d.technique, l));
      if (ok) {
        m.correct++;
        techFound = true;
      }
      best.set(d.technique, Math.max(best.get(d.technique) ?? -Infinity, d.score));
    }
    if (d.tactics.length) {
      m.tacticDetections++;
      if (d.tactics.some((t) => labels.tactics.includes(t))) {
        m.tacticCorrect++;
        tacticFound = true;
      }
    }
  }
  if (hasTech) {
    const ranked = [...best.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
    const hitAt = (k: number) => ranked.slice(0, k).some((t) => labels.techniques.some((l) => techniqueMatches(t, l)));
    m.recall = techFound;
    m.hit1 = hitAt(1);
    m.hit3 = hitAt(3);
  } else {
    // detections on a file without technique labels say nothing at technique level
    m.detections = 0;
    m.correct = 0;
  }
  if (hasTactic) m.tacticRecall = tacticFound;
  else {
    m.tacticDetections = 0;
    m.tacticCorrect = 0;
  }
  return m;
}

export interface Summary {
  files: number;
  recall: number;
  hit1: number;
  hit3: number;
  precision: number;
  detections: number;
  tacticFiles: number;
  tacticRecall: number;
  tacticPrecision: number;
  alertsPerFile: number;
}

export function summarize(results: readonly FileMetrics[]): Summary {
  const tech = results.filter((r) => r.recall !== undefined);
  const tac = results.filter((r) => r.tacticRecall !== undefined);
  const mean = (xs: readonly boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : 0);
  const det = tech.reduce((s, r) => s + r.detections, 0);
  const cor = tech.reduce((s, r) => s + r.correct, 0);
  const tdet = tac.reduce((s, r) => s + r.tacticDetections, 0);
  const tcor = tac.reduce((s, r) => s + r.tacticCorrect, 0);
  return {
    files: tech.length,
    recall: mean(tech.map((r) => r.recall!)),
    hit1: mean(tech.map((r) => r.hit1!)),
    hit3: mean(tech.map((r) => r.hit3!)),
    precision: det ? cor / det : 0,
    detections: det,
    tacticFiles: tac.length,
    tacticRecall: mean(tac.map((r) => r.tacticRecall!)),
    tacticPrecision: tdet ? tcor / tdet : 0,
    alertsPerFile: results.length ? results.reduce((s, r) => s + r.alerts, 0) / results.length : 0,
  };
}
