/** Messages between the detection runner and its workers. */
import type { ModelConfig } from '../embed/model.js';
import type { IndexEntry } from '../embed/vector/vector-index.js';
import type { ScoreOptions } from './calibration/score.js';
import type { Calibration } from './calibration/model.js';
import type { FileResult } from './file.js';
import type { IntelEntry } from './intel.js';
import type { ProjectedState } from './projected-search.js';
import type { ScenarioOptions } from './scenario/assemble.js';
import type { RawCandidate } from './semantic.js';

export interface DetectWorkerInit {
  kb: { dataDir: string } | { bundle: string; index?: string };
  /** The encoder as the main thread loaded it (parameters in shared memory: not copied, not re-read). */
  model: { config: ModelConfig; params: Float32Array };
  /** The TTP index as the main thread built it (vectors row-major), so workers do not re-encode it, and its projection for the two-pass search. */
  index: { vectors: Float32Array; entries: IndexEntry[]; reports: [string, IntelEntry['report']][]; projected?: ProjectedState };
  calibration: Calibration;
  /** `serializeSpec` of the rule set, when Sigma is on. */
  rules?: Uint8Array;
  score: ScoreOptions;
  windowMs?: number;
  scenarios: ScenarioOptions | false;
}

/** Semantic results (sequence text → candidates) one worker computed, for the others' caches. */
export type LearnedMatches = [string, RawCandidate[]][];

export type DetectWorkerMessage = { type: 'file'; id: number; file: string } | { type: 'learn'; entries: LearnedMatches };

export type DetectWorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; result: FileResult; encoded: number; learned: LearnedMatches }
  | { type: 'error'; id: number; message: string };
