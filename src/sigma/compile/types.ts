/**
 * What compilation produces: rules as matchers over flat event records, a
 * rule set indexed by logsource conditions, and the results of matching.
 */
import type { Issue } from '../../common/errors.js';
import type { SourceLocation } from '../../logs/record.js';
import type { Level, ProcessingPipeline, SigmaCorrelation, SigmaFilter, SigmaRule } from '../rule/types.js';
import type { MemoStats } from './literal-memo.js';

/** The event as the engine sees it: flat fields; dotted names fall back to nested objects. */
export type EventFields = Record<string, unknown>;

/** Identity of a rule as reported in detections. */
export interface RuleRef {
  id: string;
  title: string;
  level: Level | string;
  tags: string[];
  status?: string;
  name?: string;
  file?: string;
}

export interface CompiledRule {
  /** Index in `CompiledRuleSet.rules`. */
  index: number;
  ref: RuleRef;
  rule: SigmaRule;
  /** Fields the rule reads (after pipeline renames), for dispatch and output. */
  fields: string[];
  /** Test one event (logsource conditions included); returns matched selection names or undefined. */
  match(event: EventFields): string[] | undefined;
}

export interface RuleMatch {
  rule: CompiledRule;
  /** Names of the search identifiers that were true in the deciding branch of the condition. */
  selections: string[];
}

export interface CompileOptions {
  pipeline?: ProcessingPipeline;
  /** Placeholder values for `expand` (merged over the pipeline's). */
  placeholders?: Record<string, readonly string[]>;
  /** Filter rules (spec v2.1) applied to the rules they name. */
  filters?: SigmaFilter[];
  correlations?: SigmaCorrelation[];
  /** Correlation state cap: groups kept per correlation (oldest dropped first). Default 100,000. */
  maxCorrelationGroups?: number;
  /**
   * Remember the literal index's scan results and single-field items' answers per field value
   * (`compile/literal-memo.ts`). Default true; false computes everything every time (same matches, for
   * comparisons).
   */
  scanMemo?: boolean;
  /** Budget of the scan memos (characters of values plus anchors); default `MEMO_BUDGET`. */
  scanMemoBudget?: number;
}

export interface CompiledRuleSet {
  rules: CompiledRule[];
  correlations: SigmaCorrelation[];
  /** Rules that could not be compiled (unresolved placeholder, bad regex…), each with its reason. */
  issues: Issue[];
  /**
   * Every rule that matches the event (synchronous; for hot loops and workers). `rawText`: the JSON text
   * the event was parsed from, given only when every value of `event` is a value of that text unchanged
   * (fields may be renamed or copied, not rewritten); keyword searches then rule themselves out on it.
   */
  matchEvent(event: EventFields, rawText?: string): RuleMatch[];
  /**
   * Cheap test on a raw JSON line before parsing: false means no rule can
   * match the event the line encodes. Always true when the set cannot decide.
   */
  mayMatchRaw(line: string): boolean;
  /** How the scan memos did so far (undefined when compiled without them). */
  memoStats(): MemoStats | undefined;
  /** Options the set was compiled with (correlation caps etc.). */
  options: CompileOptions;
}

/** A detection reported by `hunt`. */
export interface Detection {
  kind: 'event' | 'correlation';
  rule: RuleRef;
  /** ISO time of the (last) event, when the event carries one. */
  timestamp?: string;
  /** Event detections: the event that matched. */
  event?: DetectedEvent;
  /** Event detections: matched search identifiers. */
  selections: string[];
  /** Correlation detections. */
  correlation?: {
    type: SigmaCorrelation['type'];
    /** group-by field → value. */
    group: Record<string, unknown>;
    /** The events (capped) that made the correlation fire, oldest first. */
    events: DetectedEvent[];
    /** Rule ids whose matches were correlated. */
    rules: string[];
    /** The aggregated value compared with the condition (count, distinct count, sum…). */
    value: number;
  };
}

export interface DetectedEvent {
  fields: EventFields;
  source?: SourceLocation;
  /** Rule that matched this event (for correlations). */
  ruleId?: string;
}
