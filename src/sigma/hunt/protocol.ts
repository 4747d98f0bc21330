/** Messages between the hunt runner and its workers. */
import type { Issue } from '../../common/errors.js';
import type { RuleRef } from '../compile/types.js';
import type { TimelineRow } from '../output/timeline.js';
import type { IssueSnapshot } from './issues.js';
import type { ScanCounters } from './scan.js';

export interface WorkerInit {
  /** `serializeSpec` output. */
  spec: Uint8Array;
  /** Only one worker needs to send the rule refs and compile issues back. */
  sendRefs: boolean;
  maxLineBytes?: number;
  maxIssueSamples: number;
  countOnly: boolean;
}

export interface WorkerReady {
  type: 'ready';
  refs: RuleRef[];
  issues: Issue[];
  belowLevel: number;
}

export type TaskInput =
  | { type: 'file'; path: string }
  /** Whole lines of a JSON Lines file; line numbers in the result are relative to the block. */
  | { type: 'block'; file: string; block: Uint8Array };

export type TaskMessage = TaskInput & { id: number };

export interface TaskResult {
  type: 'done';
  id: number;
  rows: TimelineRow[];
  counters: ScanCounters;
  /** Block tasks: lines in the block. */
  lines: number;
  issues: IssueSnapshot;
  /** Block tasks: the block's memory, transferred back for reuse (`BlockBuffers`). */
  block?: Uint8Array;
}
