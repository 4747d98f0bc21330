/** A scored unit becomes an alert when at least one technique passed its threshold. */
import type { UnitScore } from './calibration/score.js';
import type { DetectionUnit } from './unit.js';
import type { Alert } from './types.js';

export function alertOf(unit: DetectionUnit, scored: UnitScore, baseline: { patterns: ReadonlyMap<number, number>; lineages: ReadonlyMap<number, number> }): Alert | undefined {
  const passed = scored.techniques.filter((t) => t.pass);
  if (passed.length === 0) return undefined;
  const c = unit.candidates;
  return {
    id: unit.id,
    host: unit.host,
    unit: unit.kind,
    process: unit.process,
    start: unit.start,
    end: unit.end,
    score: passed[0]!.score,
    techniques: passed.map(({ pass: _pass, ...t }) => t),
    sequence: { tokens: unit.tokens, text: unit.text },
    evidence: unit.evidence,
    eventCount: unit.eventCount,
    ruleHits: scored.hits,
    context: {
      patternCells: unit.patternCells,
      patternRepeats: unit.patternRepeats,
      patternBaseline: baseline.patterns.get(unit.pattern) ?? 0,
      lineage: unit.lineage,
      lineageCells: unit.lineageCells,
      lineageRepeats: unit.lineageRepeats,
      lineageBaseline: baseline.lineages.get(unit.lineageHash) ?? 0,
      margin: c.length > 1 ? +(c[0]!.cosine - c[1]!.cosine).toFixed(4) : c.length ? +c[0]!.cosine.toFixed(4) : 0,
    },
  };
}
