/**
 * What detection produces: alerts (a behaviour sequence, or a lone event a
 * Sigma rule fired on, with the techniques it is believed to carry out) and
 * attack scenarios (alerts joined along provenance). Every claim carries its
 * evidence (source events, the index entry that matched, the rules that
 * fired) and a calibrated score.
 */
import type { EventRef, SequenceProcess } from '../provenance/sequence.js';

/** A pointer to a source record: file, line or record number, time. */
export type EvidenceEvent = EventRef;

/** Where a technique's semantic match came from: the index entry nearest to the sequence. */
export interface MatchEvidence {
  /** Index entry id: a technique id, an ATT&CK procedure's STIX id, or `report:<report id>:<procedure id>`. */
  entry: string;
  /** `technique`, `procedure` or `report`. */
  source: string;
  /** The entry's text (shortened). */
  text: string;
  /** Cosine similarity between the sequence and the entry. */
  cosine: number;
  /** For intelligence given with --intel: the report and procedure that matched. */
  report?: { id: string; title: string; path: string; procedure?: string; action?: string };
}

export type RuleAgreement = 'agree' | 'tactic' | 'disagree' | 'untagged';

/** A Sigma rule that fired on one of the alert's events. */
export interface RuleHit {
  ruleId: string;
  title: string;
  level: string;
  /** Technique ids from the rule's ATT&CK tags (known to the loaded ATT&CK). */
  techniques: string[];
  /** Tactic shortnames from the rule's tags and its techniques. */
  tactics: string[];
  /** How the rule relates to the alert's semantic techniques. */
  agreement: RuleAgreement;
  /** Reliability of the rule learned on training files (smoothed precision), in [0, 1]. */
  reliability: number;
  event: EvidenceEvent;
}

/** One technique an alert claims. */
export interface AlertTechnique {
  id: string;
  name: string;
  tactics: string[];
  /** Calibrated score in [0, 1] (fused semantic and rule evidence). */
  score: number;
  /** The threshold this technique had to reach. */
  threshold: number;
  /** Semantic part: calibrated probability from the encoder match (0 when only rules support it). */
  semantic: number;
  /** Raw cosine of the best index entry (undefined when only rules support it). */
  cosine?: number;
  /** Rank among the sequence's semantic candidates (0 = best), when semantic. */
  rank?: number;
  /** Evidence of the semantic match. */
  match?: MatchEvidence;
  /** Ids of the rules that name this technique (or its parent/sub-technique). */
  rules: string[];
  origin: 'semantic' | 'sigma' | 'both';
}

/** The calibration inputs of the alert's best semantic candidate (why it scored as it did). */
export interface AlertContext {
  /** Distinct (host, hour) cells in which the sequence's pattern was seen in this input. */
  patternCells: number;
  /** Units with the same pattern in this input. */
  patternRepeats: number;
  /** Training files whose benign background holds the same pattern. */
  patternBaseline: number;
  lineage: string;
  lineageCells: number;
  lineageRepeats: number;
  lineageBaseline: number;
  /** Cosine gap between the first and second candidate technique. */
  margin: number;
}

export interface Alert {
  /** Stable id: host, process key, window. */
  id: string;
  host: string;
  /** `sequence` for a behaviour sequence; `event` for a rule hit on an event no sequence holds. */
  unit: 'sequence' | 'event';
  process: SequenceProcess;
  start: number;
  end: number;
  /** Best technique score. */
  score: number;
  /** Techniques that passed their threshold, best first. */
  techniques: AlertTechnique[];
  /** The behaviour sequence: encoder tokens and the readable line. */
  sequence: { tokens: string[]; text: string };
  /** Source events (the first ones when there are many; `eventCount` has the total). */
  evidence: EvidenceEvent[];
  eventCount: number;
  ruleHits: RuleHit[];
  context: AlertContext;
}

export type ScenarioNodeRole = 'entry' | 'alert' | 'path' | 'impact';

export interface ScenarioNode {
  /** Graph key (`proc:g:{…}`, `file:c:\…`): the same across windows of one host. */
  key: string;
  type: string;
  name: string;
  role: ScenarioNodeRole;
  /** Alerts on this node (process nodes). */
  alerts: string[];
}

export interface ScenarioEdge {
  src: string;
  dst: string;
  type: string;
  firstTime: number;
  lastTime: number;
  count: number;
  event: EvidenceEvent;
}

/** One step of the attack: an alert's technique with its actor and object. */
export interface ScenarioStep {
  order: number;
  time: number;
  technique: string;
  techniqueName: string;
  /** Tactic shortname chosen for this step (the technique's tactic that fits the kill-chain order so far). */
  tactic: string;
  /** Its ATT&CK id (TA00xx), when the tactic is known. */
  tacticId?: string;
  /** Other techniques the same alert claims. */
  also: string[];
  /** Process node key and image of the actor. */
  actor: { key: string; image: string; commandLine?: string };
  /** What the step acted on (a file, key, endpoint, child process, or the command line). */
  object: string;
  /** Graph key of the object, when it is a node of the scenario. */
  objectKey?: string;
  /** "Technique name: actor → object". */
  name: string;
  score: number;
  alert: string;
  evidence: EvidenceEvent[];
}

export interface Scenario {
  id: string;
  host: string;
  start: number;
  end: number;
  /** Highest step score. */
  score: number;
  /** Entry point: the first node of the causal chain (a document, a service, a remote logon…). */
  entry: { key: string; name: string; type: string; /** The ordinary root that started it (explorer.exe, services.exe…). */ via?: string };
  steps: ScenarioStep[];
  nodes: ScenarioNode[];
  edges: ScenarioEdge[];
  alerts: string[];
  /** Alert size, so analysts see how much there is to read. */
  size: { nodes: number; edges: number; events: number; alerts: number };
  /** Tactics in kill-chain order. */
  tactics: string[];
}

export interface DetectStats {
  files: number;
  records: number;
  events: number;
  sequences: number;
  /** Distinct sequence texts encoded (the rest came from the cache). */
  encoded: number;
  ruleHits: number;
  alerts: number;
  scenarios: number;
  windows: number;
  issues: number;
  /** Threads the files were spread over. */
  threads: number;
  seconds: number;
  cpuSeconds: number;
}

/** Everything one detection run found: what every output format is written from. */
export interface DetectionReport {
  schema: 'ttpscope.detect/1';
  generator: { tool: 'ttpscope'; version: string; attackVersion: string; model?: string; calibration?: string; rules: number; mode: 'fused' | 'semantic' };
  inputs: string[];
  stats: DetectStats;
  alerts: Alert[];
  scenarios: Scenario[];
}
