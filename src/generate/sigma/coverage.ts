/**
 * The existing rule set (SigmaHQ in the data dir) as a coverage oracle: the
 * rules that fire on the synthetic events of a procedure's artefacts already
 * cover that procedure. Generated rules link them with `related: similar`,
 * and the generation report says which procedures were covered before.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataLayout } from '../../datadir/paths.js';
import { compileRules, loadRulesSync, type CompiledRuleSet, type EventFields, type RuleCollection, type RuleRef } from '../../sigma/index.js';
import type { Pipeline } from '../../sigma/pipeline/index.js';

/** SigmaHQ folders with active rules (what `hunt` uses by default). */
export const SIGMAHQ_ACTIVE_FOLDERS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'] as const;

export function sigmaHqPaths(dataDir: string): string[] {
  const dir = dataLayout(dataDir).sigmaDir;
  return SIGMAHQ_ACTIVE_FOLDERS.map((f) => join(dir, f)).filter((p) => existsSync(p));
}

export function techniquesOfTags(tags: readonly string[]): string[] {
  return tags.map((t) => t.toLowerCase()).filter((t) => /^attack\.t\d{4}(\.\d{3})?$/.test(t)).map((t) => t.slice(7).toUpperCase());
}

export class RuleSetCoverage {
  private constructor(
    readonly collection: RuleCollection,
    readonly compiled: CompiledRuleSet,
  ) {}

  static fromCollection(collection: RuleCollection, pipeline: Pipeline): RuleSetCoverage {
    return new RuleSetCoverage(collection, compileRules(collection, { pipeline }));
  }

  static fromPaths(paths: readonly string[], pipeline: Pipeline): RuleSetCoverage {
    return RuleSetCoverage.fromCollection(loadRulesSync(paths), pipeline);
  }

  get size(): number {
    return this.compiled.rules.length;
  }

  /** Rules that fire on any of the events (each once, in rule order). */
  hits(events: readonly EventFields[]): RuleRef[] {
    const seen = new Map<string, RuleRef>();
    for (const e of events) for (const m of this.compiled.matchEvent(e)) if (!seen.has(m.rule.ref.id)) seen.set(m.rule.ref.id, m.rule.ref);
    return [...seen.values()];
  }

  /** Rules tagged with a technique (or one of its sub-techniques when a parent is given). */
  rulesForTechnique(technique: string): RuleRef[] {
    const t = technique.toUpperCase();
    return this.compiled.rules.map((r) => r.ref).filter((ref) => techniquesOfTags(ref.tags).some((x) => x === t || x.startsWith(t + '.') || t.startsWith(x + '.')));
  }
}
