/**
 * Generated rules against the existing rule set on the labelled logs: one
 * hunt with both sets, then per-rule outcomes (with `no-hits` / `noisy`
 * flags) and pair metrics for each set over the same techniques — the
 * techniques the generated rules are for.
 */
import type { SigmaRule } from '../../sigma/index.js';
import { techniquesOfTags } from '../sigma/coverage.js';
import { pairMetrics, parentOf, ruleOutcome, runBacktest, type BacktestOptions, type BacktestRun, type PairMetrics, type RuleOutcome } from './backtest.js';
import type { LabelledLogFile } from './labels.js';

export interface SetComparison {
  /** Parent-level techniques compared. */
  techniques: string[];
  generated: PairMetrics;
  baseline: PairMetrics;
}

export interface BacktestComparison extends SetComparison {
  perRule: RuleOutcome[];
  baselineRules: number;
  files: number;
  events: number;
  scanMs: number;
  run: BacktestRun;
}

/** Existing rules tagged with one of the techniques (parent level). */
export function baselineFor(existing: readonly SigmaRule[], techniques: ReadonlySet<string>): SigmaRule[] {
  return existing.filter((r) => r.id !== undefined && techniquesOfTags(r.tags).some((t) => techniques.has(parentOf(t))));
}

export function compareSets(run: BacktestRun, generatedIds: readonly string[], baselineIds: readonly string[], techniques: ReadonlySet<string>): SetComparison {
  return { techniques: [...techniques].sort(), generated: pairMetrics(run, generatedIds, techniques), baseline: pairMetrics(run, baselineIds, techniques) };
}

export async function backtestRules(generated: readonly SigmaRule[], existing: readonly SigmaRule[], files: readonly LabelledLogFile[], opts: BacktestOptions = {}): Promise<BacktestComparison> {
  const techniques = new Set(generated.flatMap((r) => techniquesOfTags(r.tags).map(parentOf)));
  const genIds = new Set(generated.map((r) => r.id!));
  const baseline = baselineFor(existing, techniques).filter((r) => !genIds.has(r.id!));
  const run = await runBacktest([...generated, ...baseline], files, opts);
  const cmp = compareSets(run, [...genIds], baseline.map((r) => r.id!), techniques);
  return { ...cmp, perRule: generated.map((r) => ruleOutcome(run, r.id!)), baselineRules: baseline.length, files: files.length, events: run.events, scanMs: run.scanMs, run };
}
