/**
 * A detection unit: what is scored. Usually a behaviour sequence (one
 * process in one time window) with its semantic candidates and the Sigma
 * hits on its events; for a rule hit on an event no sequence holds (a logon,
 * an event without a process), the event alone. Units carry everything
 * calibration reads, so scoring is a pure function of a unit (the evaluation
 * collects units once and calibrates them offline the same way).
 */
import type { RawCandidate } from './semantic.js';
import type { Alert, EvidenceEvent } from './types.js';

export interface RawRuleHit {
  /** Index of the rule in the detector's rule table. */
  rule: number;
  event: EvidenceEvent;
}

export interface DetectionUnit {
  id: string;
  host: string;
  kind: 'sequence' | 'event';
  process: Alert['process'];
  start: number;
  end: number;
  tokens: string[];
  text: string;
  /** The first source events (at most `MAX_UNIT_EVIDENCE`). */
  evidence: EvidenceEvent[];
  eventCount: number;
  /** Semantic candidates, best first (empty when semantic detection is off or the unit is an event). */
  candidates: RawCandidate[];
  hits: RawRuleHit[];
  pattern: number;
  /** Distinct host × hour cells of the pattern in the input so far (this window included). */
  patternCells: number;
  /** Units with the same pattern in the input so far. */
  patternRepeats: number;
  lineage: string;
  lineageHash: number;
  lineageCells: number;
  lineageRepeats: number;
  /** The input file the unit's first event came from. */
  file: string;
}

export const MAX_UNIT_EVIDENCE = 32;
