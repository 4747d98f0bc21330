/**
 * Rule set preparation shared by the main thread and the workers: level
 * filter, pipeline, compile. Workers receive the parsed rules (v8-serialized
 * once by the main thread) and compile them themselves; compilation is
 * deterministic, so rule indices agree everywhere.
 */
import { deserialize, serialize } from 'node:v8';
import type { Issue } from '../../common/errors.js';
import { compileRules } from '../compile/ruleset.js';
import type { CompiledRuleSet, RuleRef } from '../compile/types.js';
import type { Pipeline } from '../pipeline/build.js';
import { loadPipeline } from '../pipeline/load.js';
import { LEVELS, type Level, type RuleCollection, type SigmaRule } from '../rule/types.js';

export interface RuleSetSpec {
  collection: RuleCollection;
  /** Pipeline names or files (empty: the default pipeline). */
  pipeline: readonly string[];
  /** Only rules at this level or above (rules without a level are dropped when set). */
  minLevel?: Level;
  placeholders?: Record<string, readonly string[]>;
  /** Per-value memos in the compiled set (default on; `CompileOptions.scanMemo`). */
  scanMemo?: boolean;
}

export function levelAtLeast(rule: SigmaRule, min: Level | undefined): boolean {
  if (min === undefined) return true;
  const i = LEVELS.indexOf(rule.level as Level);
  return i >= 0 && i >= LEVELS.indexOf(min);
}

export interface PreparedRules {
  rules: CompiledRuleSet;
  pipeline: Pipeline;
  refs: RuleRef[];
  /** Rules left out by --min-level. */
  belowLevel: number;
  /** Compile problems (rules that will never fire), each with its reason. */
  issues: Issue[];
}

export function prepareRules(spec: RuleSetSpec): PreparedRules {
  const pipeline = loadPipeline(spec.pipeline);
  const kept = spec.collection.rules.filter((r) => levelAtLeast(r, spec.minLevel));
  const collection: RuleCollection = { ...spec.collection, rules: kept };
  const rules = compileRules(collection, { pipeline, ...(spec.placeholders ? { placeholders: spec.placeholders } : {}), ...(spec.scanMemo === false ? { scanMemo: false } : {}) });
  return { rules, pipeline, refs: rules.rules.map((r) => r.ref), belowLevel: spec.collection.rules.length - kept.length, issues: rules.issues };
}

/** What a worker needs to rebuild the rule set, as one transferable byte array. */
export function serializeSpec(spec: RuleSetSpec): Uint8Array {
  const { collection, ...rest } = spec;
  return serialize({ collection: { rules: collection.rules, correlations: collection.correlations, filters: collection.filters, issues: [], files: collection.files }, ...rest });
}

export function deserializeSpec(bytes: Uint8Array): RuleSetSpec {
  return deserialize(bytes) as RuleSetSpec;
}
