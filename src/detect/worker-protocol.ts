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

/** What a worker starts with (`workerData`): it loads the knowledge base at once, before anything else arrives. */
export interface DetectWorkerStart {
  kb: { dataDir: string } | { bundle: string; index?: string };
}

/** The rest of the detection context, sent once the main thread has it open (`open` message). */
export interface DetectWorkerOpen {
  /** The encoder as the main thread loaded it (parameters in shared memory: not copied, not re-read). */
  model: { config: ModelConfig; params: Float32Array };
  /** The TTP index as the main thread built it (vectors row-major), so workers do not re-encode it, and its projection for the two-pass search. */
  index: { vectors: Float32Array; entries: IndexEntry[]; reports: [string, IntelEntry['report']][]; projected?: ProjectedState };
  calibration: Calibration;
  score: ScoreOptions;
  windowMs?: number;
  scenarios: ScenarioOptions | false;
}

/** Semantic results (sequence text → candidates) one worker computed, for the others' caches. */
export type LearnedMatches = [string, RawCandidate[]][];

export type DetectWorkerMessage =
  /** `serializeSpec` of the rule set (absent: no Sigma); the worker compiles it while the main thread goes on opening. */
  | { type: 'rules'; rules?: Uint8Array }
  | { type: 'open'; open: DetectWorkerOpen }
  | { type: 'file'; id: number; file: string }
  | { type: 'learn'; entries: LearnedMatches };

export type DetectWorkerReply =
  /** Everything open (after `rules` and `open`). */
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; result: FileResult; encoded: number; learned: LearnedMatches }
  | { type: 'error'; id: number; message: string };
